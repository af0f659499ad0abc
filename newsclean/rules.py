"""Load and check the rule files (TOML data in `rules/`): chrome patterns and missing-number patterns.

Rule files are untrusted input: every problem names the file and the rule id, and every pattern runs under a
timeout so that a catastrophic regex cannot hang a run.
"""
from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import regex

# Matching one line against one pattern never needs more than this; a pattern that does is broken. Searching
# a whole document gets this plus PATTERN_TIMEOUT_PER_MCHAR seconds per million characters, so that a long
# but honest document never runs out of time (`regex` counts the time of a whole `finditer`).
PATTERN_TIMEOUT_S = 0.25
PATTERN_TIMEOUT_PER_MCHAR = 2.0

RULE_FILES = ("normalize.toml", "chrome.toml", "numbers.toml")
ZONES = ("anywhere", "edge", "head", "tail")


class RuleError(ValueError):
    """A rule file is malformed: the message names the file, the rule and the problem."""


class RuleTimeout(RuntimeError):
    """A rule's pattern ran past its time limit on some input."""

    def __init__(self, rule_id: str, path: str, limit: float = PATTERN_TIMEOUT_S):
        super().__init__(f"rule '{rule_id}' ({path}) timed out after {limit:.2f}s and was skipped for the rest "
                         "of the document")
        self.rule_id = rule_id
        self.path = path


_TIMEOUT_MESSAGE = regex.compile(r"^rule '(?P<id>[^']+)' \((?P<path>.*)\) timed out after ")


def parse_timeout_warning(message: str) -> tuple[str, str] | None:
    """(rule id, file) if `message` is a `RuleTimeout` message (as the stages put them in warnings)."""
    m = _TIMEOUT_MESSAGE.match(message)
    return (m["id"], m["path"]) if m else None


def _limit(text: str, base: float = PATTERN_TIMEOUT_S) -> float:
    return base + len(text) * (PATTERN_TIMEOUT_PER_MCHAR / 1e6)


def default_rules_dir() -> Path:
    """The rule files shipped with the package (inside the wheel), or `rules/` beside a source checkout."""
    packaged = resources.files("newsclean") / "rules"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "rules"


@dataclass(slots=True)
class Pattern:
    """A compiled pattern that remembers where it came from and runs with a timeout."""

    rule_id: str
    path: str
    compiled: Any

    def search(self, text: str, pos: int = 0):
        limit = _limit(text)
        try:
            return self.compiled.search(text, pos, timeout=limit)
        except TimeoutError:
            raise RuleTimeout(self.rule_id, self.path, limit) from None

    def fullmatch(self, text: str):
        limit = _limit(text)
        try:
            return self.compiled.fullmatch(text, timeout=limit)
        except TimeoutError:
            raise RuleTimeout(self.rule_id, self.path, limit) from None

    def finditer(self, text: str) -> Iterator[Any]:
        limit = _limit(text)
        try:
            yield from self.compiled.finditer(text, timeout=limit)
        except TimeoutError:
            raise RuleTimeout(self.rule_id, self.path, limit) from None


@dataclass(slots=True)
class ChromeRule:
    id: str
    description: str
    pattern: Pattern
    zone: str = "edge"
    max_chars: int = 200
    join_next: bool = False
    search: bool = False  # match = "search": the pattern may occur anywhere in the line


@dataclass(slots=True)
class GapRule:
    id: str
    description: str
    pattern: Pattern
    kind: str


@dataclass(slots=True)
class RuleSet:
    """Everything the stages read from `rules/`."""

    source: str
    normalize: dict[str, Any] = field(default_factory=dict)
    chrome: list[ChromeRule] = field(default_factory=list)
    chrome_lexicons: dict[str, list[str]] = field(default_factory=dict)
    gaps: list[GapRule] = field(default_factory=list)
    # The chrome rules that look at one line, those that look at a line joined with the next, and each
    # rule's position (candidates are reported in rule order).
    chrome_single: list[ChromeRule] = field(default_factory=list)
    chrome_joined: list[ChromeRule] = field(default_factory=list)
    chrome_order: dict[str, int] = field(default_factory=dict)
    # line text -> the single-line rules that match it (filled by the chrome stage; never part of equality)
    line_matches: dict[str, tuple] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, directory: "str | Path | RuleSource | None" = None) -> "RuleSet":
        """Load the shipped rules; files present in `directory` replace the shipped file of the same name. A
        `RuleSource` also adds the rules of its extra files and leaves out the rules it disables."""
        source = directory if isinstance(directory, RuleSource) else RuleSource(directory)
        default = default_rules_dir()
        user = Path(source.directory) if source.directory is not None else None
        if user is not None and not user.is_dir():
            raise RuleError(f"{user}: rules directory not found")
        if source.extra is not None and not Path(source.extra).is_dir():
            raise RuleError(f"{source.extra}: extra rules directory not found")
        parts: dict[str, list[tuple[str, dict]]] = {}
        for path in source.files():
            parts.setdefault(path.name, []).append((str(path), _read_toml(path)))
        rules = cls(source=str(user or default) + (f" + {source.extra}" if source.extra else ""))
        (base_path, base), *extras = parts["normalize.toml"]
        _check_normalize(base_path, base)
        rules.normalize = {**base, "widen_punctuation": dict(base.get("widen_punctuation", {}))}
        for path, doc in extras:  # an extra file adds marks to the table (or maps one differently)
            _check_normalize(path, doc)
            rules.normalize["widen_punctuation"].update(doc.get("widen_punctuation", {}))
        rules._load_chrome(parts["chrome.toml"])
        rules._load_gaps(parts["numbers.toml"])
        rules._disable(source.disabled)
        rules.chrome_single = [r for r in rules.chrome if not r.join_next]
        rules.chrome_joined = [r for r in rules.chrome if r.join_next]
        rules.chrome_order = {r.id: n for n, r in enumerate(rules.chrome)}
        return rules

    def _load_chrome(self, parts: list[tuple[str, dict]]) -> None:
        defines, self.chrome_lexicons = _shared_names(parts, ("define", "lexicon", "rule"))
        for path, entry in _entries_of(parts, "rule", CHROME_KEYS):
            rid = entry["id"]
            zone = entry.get("zone", "edge")
            if zone not in ZONES:
                raise RuleError(f"{path}: rule {rid!r}: zone must be one of {', '.join(ZONES)}, not {zone!r}")
            max_chars = entry.get("max_chars", 200)
            if not isinstance(max_chars, int) or isinstance(max_chars, bool) or max_chars < 1:
                raise RuleError(f"{path}: rule {rid!r}: max_chars must be a positive integer, not {max_chars!r}")
            match = entry.get("match", "full")
            if match not in ("full", "search"):
                raise RuleError(f"{path}: rule {rid!r}: match must be 'full' or 'search', not {match!r}")
            join_next = entry.get("join_next", False)
            if not isinstance(join_next, bool):
                raise RuleError(f"{path}: rule {rid!r}: join_next must be true or false, not {join_next!r}")
            pattern = _compile(path, rid, entry["pattern"], defines, self.chrome_lexicons)
            if match == "search" and _matches_empty(pattern):
                raise RuleError(f"{path}: rule {rid!r}: a match = 'search' pattern must not match the empty "
                                "string (it would remove every short line)")
            self.chrome.append(ChromeRule(
                id=rid, description=entry["description"], pattern=pattern, zone=zone, max_chars=max_chars,
                join_next=join_next, search=match == "search",
            ))

    def _load_gaps(self, parts: list[tuple[str, dict]]) -> None:
        defines, lexicons = _shared_names(parts, ("define", "lexicon", "gap"))
        for path, entry in _entries_of(parts, "gap", GAP_KEYS):
            rid = entry["id"]
            kind = entry.get("kind", rid)
            if not isinstance(kind, str) or not kind:
                raise RuleError(f"{path}: rule {rid!r}: kind must be a non-empty string, not {kind!r}")
            # Gap patterns run over the whole text, where ^ and $ should mean the start and end of a line.
            pattern = _compile(path, rid, entry["pattern"], defines, lexicons, flags=regex.MULTILINE)
            if "unit" not in pattern.compiled.groupindex:
                raise RuleError(f"{path}: rule {rid!r}: pattern needs a named group (?P<unit>...) at the gap")
            if _matches_empty(pattern):
                raise RuleError(f"{path}: rule {rid!r}: pattern matches the empty string (it would flag a gap "
                                "everywhere)")
            self.gaps.append(GapRule(rid, entry["description"], pattern, kind))

    def _disable(self, ids: tuple[str, ...]) -> None:
        """Leave out the rules named; an id that is no rule of the files, or a built-in one, is an error."""
        from .builtin_rules import BUILTIN_RULES

        known = {r.id for r in self.chrome} | {g.id for g in self.gaps}
        for rid in ids:
            if rid in known:
                continue
            builtin = next((b for b in BUILTIN_RULES if b.id == rid), None)
            if builtin is not None:
                raise RuleError(f"rule {rid!r} is built into the {builtin.stage} stage and cannot be disabled "
                                f"alone; leave the stage out with --stages")
            raise RuleError(f"no rule {rid!r} to disable (`newsclean rules` lists every rule in force)")
        self.chrome = [r for r in self.chrome if r.id not in ids]
        self.gaps = [g for g in self.gaps if g.id not in ids]


@dataclass(frozen=True, slots=True)
class RuleSource:
    """Where the rules come from: the shipped files (each replaced by a file of the same name in `directory`),
    the files of `extra` adding rules, words and pattern pieces to them, and the rule ids left out."""

    directory: str | None = None
    extra: str | None = None
    disabled: tuple[str, ...] = ()

    def files(self) -> list[Path]:
        """Every rule file read, in the order read: the base files, then the extra files present."""
        base = rule_files(self.directory)
        if self.extra is None:
            return base
        return base + [Path(self.extra) / name for name in RULE_FILES if (Path(self.extra) / name).exists()]

    def digest(self) -> str:
        """A fingerprint of every file read and of the rules disabled: the rules in force, for resume checks
        and caches."""
        digest = hashlib.sha256()
        for path in self.files():
            try:
                digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
            except OSError:
                digest.update(str(path).encode() + b"\0?\0")
        if self.disabled:
            digest.update(b"disabled\0" + "\0".join(sorted(self.disabled)).encode())
        return digest.hexdigest()


def _shared_names(parts: list[tuple[str, dict]], known: tuple[str, ...]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The [define] and [lexicon] entries of a rule file and its extra files: an extra file adds pattern
    pieces (redefining one is an error, it would change rules it cannot see) and adds words to word lists."""
    defines: dict[str, str] = {}
    lexicons: dict[str, list[str]] = {}
    for path, doc in parts:
        _top_level(path, doc, known)
        for name, pattern in _defines(path, doc).items():
            if name in defines:
                raise RuleError(f"{path}: define {name!r} exists already in the rules it adds to; give it another name")
            defines[name] = pattern
        for name, words in _lexicons(path, doc).items():
            lexicons.setdefault(name, []).extend(w for w in words if w not in lexicons.get(name, ()))
    return defines, lexicons


def _entries_of(parts: list[tuple[str, dict]], key: str, known: tuple[str, ...]) -> Iterator[tuple[str, dict]]:
    """(file, entry) for the rules of a file and its extra files, ids unique across all of them."""
    seen: dict[str, str] = {}
    for path, doc in parts:
        for entry in _entries(path, doc, key, known):
            if entry["id"] in seen:
                raise RuleError(f"{path}: rule {entry['id']!r}: {seen[entry['id']]} has a rule of that id already; "
                                "give it another id (or --disable-rule the other one and name yours differently)")
            seen[entry["id"]] = path
            yield path, entry


def _matches_empty(pattern: Pattern) -> bool:
    try:
        return pattern.compiled.search("", timeout=PATTERN_TIMEOUT_S) is not None
    except TimeoutError:
        return False


def _top_level(path: str, doc: dict, known: tuple[str, ...]) -> None:
    for key in doc:
        if key not in known:
            raise RuleError(f"{path}: unknown table or key {key!r} (expected {', '.join(known)})")


def _lexicons(path: str, doc: dict) -> dict[str, list[str]]:
    lexicons = doc.get("lexicon", {})
    if not isinstance(lexicons, dict):
        raise RuleError(f"{path}: [lexicon] must be a table of word lists")
    for k, words in lexicons.items():
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise RuleError(f"{path}: lexicon {k!r}: must be a list of non-empty strings")
    return {k: list(v) for k, v in lexicons.items()}


def _check_normalize(path: str, doc: dict) -> None:
    """`[widen_punctuation]` maps one half-width mark to one full-width mark, and never touches a number."""
    table = doc.get("widen_punctuation", {})
    if not isinstance(table, dict):
        raise RuleError(f"{path}: [widen_punctuation] must be a table")
    for k, v in table.items():
        if not isinstance(v, str) or len(k) != 1 or len(v) != 1:
            raise RuleError(f"{path}: widen_punctuation {k!r}: must map one character to one character, not {v!r}")
        if k.isdigit() or k in ".%" or v.isdigit() or v in ".%":
            raise RuleError(f"{path}: widen_punctuation {k!r}: digits, '.' and '%' belong to numbers and are never "
                            "rewritten")


def rule_files(directory: str | Path | None = None) -> list[Path]:
    """The rule files a `RuleSet.load(directory)` reads: the user's where present, else the shipped ones."""
    default = default_rules_dir()
    user = Path(directory) if directory is not None else None
    return [user / name if user is not None and (user / name).exists() else default / name for name in RULE_FILES]


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise RuleError(f"{path}: rule file not found") from None
    except OSError as exc:
        raise RuleError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RuleError(f"{path}: not UTF-8 (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        near = _rule_near(data.decode("utf-8"), str(exc))
        raise RuleError(f"{path}: {near}not valid TOML: {exc}") from None


_TABLE_HEADER = regex.compile(r"^\s*\[\[\s*(\w+)\s*\]\]")
_ID_LINE = regex.compile(r"""^\s*id\s*=\s*(?:"([^"\n]*)"|'([^'\n]*)')""")


def _rule_near(text: str, message: str) -> str:
    """"rule 'x': " for the [[rule]]/[[gap]] table a TOML syntax error sits in, when its id can be read."""
    m = regex.search(r"at line (\d+)", message)
    if not m:
        return ""
    lines = text.splitlines()
    line_no = min(int(m.group(1)), len(lines)) - 1
    start = next((i for i in range(line_no, -1, -1) if _TABLE_HEADER.match(lines[i])), None)
    if start is None:
        return ""
    for i in range(start + 1, len(lines)):
        if i > start + 1 and (_TABLE_HEADER.match(lines[i]) or lines[i].lstrip().startswith("[")):
            break
        found = _ID_LINE.match(lines[i])
        if found:
            return f"rule {found.group(1) if found.group(1) is not None else found.group(2)!r}: "
    return ""


def _defines(path: str, doc: dict) -> dict[str, str]:
    defines = doc.get("define", {})
    if not isinstance(defines, dict) or not all(isinstance(v, str) for v in defines.values()):
        raise RuleError(f"{path}: [define] must map names to pattern strings")
    return defines


CHROME_KEYS = ("id", "description", "pattern", "zone", "max_chars", "join_next", "match")
GAP_KEYS = ("id", "description", "pattern", "kind")
_RULE_ID = regex.compile(r"[\w][\w.\-]*")


def _entries(path: str, doc: dict, key: str, known: tuple[str, ...]) -> Iterator[dict]:
    entries = doc.get(key, [])
    if not isinstance(entries, list):
        raise RuleError(f"{path}: [[{key}]] must be an array of tables")
    seen: set[str] = set()
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise RuleError(f"{path}: [[{key}]] number {n}: must be a table")
        rid = entry.get("id")
        if not isinstance(rid, str) or not rid:
            raise RuleError(f"{path}: [[{key}]] number {n}: missing 'id'")
        if not _RULE_ID.fullmatch(rid):
            raise RuleError(f"{path}: rule {rid!r}: an id is letters, digits, '_', '.' and '-'")
        if rid in seen:
            raise RuleError(f"{path}: rule {rid!r}: duplicate id")
        seen.add(rid)
        unknown = [k for k in entry if k not in known]
        if unknown:
            raise RuleError(f"{path}: rule {rid!r}: unknown key {unknown[0]!r} (a rule has {', '.join(known)})")
        for required in ("description", "pattern"):
            if not isinstance(entry.get(required), str) or not entry[required].strip():
                raise RuleError(f"{path}: rule {rid!r}: missing or empty {required!r}")
        yield entry


def _expand(template: str, defines: dict[str, str], lexicons: dict[str, list[str]]) -> str:
    """Replace `{name}` by a [define] pattern and `{lexicon:name}` by an alternation of its (escaped) words.

    Longer words come first so that alternation prefers them.
    """
    def sub(m: "regex.Match") -> str:
        name = m.group(1)
        if name.startswith("lexicon:"):
            words = lexicons.get(name[8:])
            if words is None:
                raise KeyError(name)
            return "(?:" + "|".join(regex.escape(w) for w in sorted(set(words), key=len, reverse=True)) + ")"
        if name not in defines:
            raise KeyError(name)
        return "(?:" + _expand(defines[name], defines, lexicons) + ")"

    return regex.sub(r"\{([a-z_][a-z0-9_:]*)\}", sub, template)


def _compile(path: str, rid: str, source: str, defines: dict[str, str], lexicons: dict[str, list[str]],
             flags: int = 0) -> Pattern:
    try:
        expanded = _expand(source, defines, lexicons)
    except KeyError as exc:
        raise RuleError(f"{path}: rule {rid!r}: unknown name {exc.args[0]!r} in pattern") from None
    except RecursionError:
        raise RuleError(f"{path}: rule {rid!r}: [define] entries refer to each other in a loop") from None
    try:
        compiled = regex.compile(expanded, flags)
    except regex.error as exc:
        raise RuleError(f"{path}: rule {rid!r}: bad pattern: {exc}") from None
    except (OverflowError, ValueError, RecursionError) as exc:
        raise RuleError(f"{path}: rule {rid!r}: bad pattern: {type(exc).__name__}: {exc}") from None
    return Pattern(rid, path, compiled)
