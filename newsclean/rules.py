"""Load and check the rule files (TOML data in `rules/`): chrome patterns and missing-number patterns.

Rule files are untrusted input: every problem names the file and the rule id, and every pattern runs under a
timeout so that a catastrophic regex cannot hang a run.
"""
from __future__ import annotations

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
    def load(cls, directory: str | Path | None = None) -> "RuleSet":
        """Load the shipped rules; files present in `directory` replace the shipped file of the same name."""
        default = default_rules_dir()
        user = Path(directory) if directory is not None else None
        if user is not None and not user.is_dir():
            raise RuleError(f"{user}: rules directory not found")
        data: dict[str, tuple[str, dict]] = {}
        for path in rule_files(directory):
            data[path.name] = (str(path), _read_toml(path))
        rules = cls(source=str(user or default))
        _check_normalize(*data["normalize.toml"])
        rules.normalize = data["normalize.toml"][1]
        rules._load_chrome(*data["chrome.toml"])
        rules._load_gaps(*data["numbers.toml"])
        rules.chrome_single = [r for r in rules.chrome if not r.join_next]
        rules.chrome_joined = [r for r in rules.chrome if r.join_next]
        rules.chrome_order = {r.id: n for n, r in enumerate(rules.chrome)}
        return rules

    def _load_chrome(self, path: str, doc: dict) -> None:
        _top_level(path, doc, ("define", "lexicon", "rule"))
        defines = _defines(path, doc)
        self.chrome_lexicons = _lexicons(path, doc)
        for entry in _entries(path, doc, "rule", CHROME_KEYS):
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

    def _load_gaps(self, path: str, doc: dict) -> None:
        _top_level(path, doc, ("define", "lexicon", "gap"))
        defines = _defines(path, doc)
        lexicons = _lexicons(path, doc)
        for entry in _entries(path, doc, "gap", GAP_KEYS):
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
