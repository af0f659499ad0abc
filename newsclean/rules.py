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

# Matching one line against one pattern never needs more than this; a pattern that does is broken.
PATTERN_TIMEOUT_S = 0.25

RULE_FILES = ("normalize.toml", "chrome.toml", "numbers.toml")
ZONES = ("anywhere", "edge", "head", "tail")


class RuleError(ValueError):
    """A rule file is malformed: the message names the file, the rule and the problem."""


class RuleTimeout(RuntimeError):
    """A rule's pattern ran past its time limit on some input."""

    def __init__(self, rule_id: str, path: str):
        super().__init__(f"rule {rule_id!r} ({path}) timed out after {PATTERN_TIMEOUT_S}s and was skipped")
        self.rule_id = rule_id
        self.path = path


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
        try:
            return self.compiled.search(text, pos, timeout=PATTERN_TIMEOUT_S)
        except TimeoutError:
            raise RuleTimeout(self.rule_id, self.path) from None

    def fullmatch(self, text: str):
        try:
            return self.compiled.fullmatch(text, timeout=PATTERN_TIMEOUT_S)
        except TimeoutError:
            raise RuleTimeout(self.rule_id, self.path) from None

    def finditer(self, text: str) -> Iterator[Any]:
        try:
            yield from self.compiled.finditer(text, timeout=PATTERN_TIMEOUT_S)
        except TimeoutError:
            raise RuleTimeout(self.rule_id, self.path) from None


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
    # One pattern that matches a whole line if any whole-line chrome rule might: most lines are prose, and
    # one C call that says "no rule can match this" is cheaper than asking thirty rules in turn.
    chrome_prefilter: Pattern | None = None

    @classmethod
    def load(cls, directory: str | Path | None = None) -> "RuleSet":
        """Load the shipped rules; files present in `directory` replace the shipped file of the same name."""
        default = default_rules_dir()
        user = Path(directory) if directory is not None else None
        if user is not None and not user.is_dir():
            raise RuleError(f"{user}: rules directory not found")
        data: dict[str, tuple[str, dict]] = {}
        for name in RULE_FILES:
            path = user / name if user is not None and (user / name).exists() else default / name
            data[name] = (str(path), _read_toml(path))
        rules = cls(source=str(user or default))
        rules.normalize = data["normalize.toml"][1]
        rules._load_chrome(*data["chrome.toml"])
        rules._load_gaps(*data["numbers.toml"])
        rules.chrome_prefilter = _prefilter(rules.chrome)
        return rules

    def _load_chrome(self, path: str, doc: dict) -> None:
        defines = _defines(path, doc)
        self.chrome_lexicons = {k: list(v) for k, v in doc.get("lexicon", {}).items()}
        for k, words in self.chrome_lexicons.items():
            if not all(isinstance(w, str) and w for w in words):
                raise RuleError(f"{path}: lexicon {k!r}: entries must be non-empty strings")
        for entry in _entries(path, doc, "rule"):
            rid = entry["id"]
            zone = entry.get("zone", "edge")
            if zone not in ZONES:
                raise RuleError(f"{path}: rule {rid!r}: zone must be one of {', '.join(ZONES)}, not {zone!r}")
            max_chars = entry.get("max_chars", 200)
            if not isinstance(max_chars, int) or max_chars < 1:
                raise RuleError(f"{path}: rule {rid!r}: max_chars must be a positive integer")
            match = entry.get("match", "full")
            if match not in ("full", "search"):
                raise RuleError(f"{path}: rule {rid!r}: match must be 'full' or 'search', not {match!r}")
            self.chrome.append(ChromeRule(
                id=rid, description=entry["description"],
                pattern=_compile(path, rid, entry["pattern"], defines, self.chrome_lexicons),
                zone=zone, max_chars=max_chars, join_next=bool(entry.get("join_next", False)),
                search=match == "search",
            ))

    def _load_gaps(self, path: str, doc: dict) -> None:
        defines = _defines(path, doc)
        lexicons = {k: list(v) for k, v in doc.get("lexicon", {}).items()}
        for entry in _entries(path, doc, "gap"):
            rid = entry["id"]
            # Gap patterns run over the whole text, where ^ and $ should mean the start and end of a line.
            pattern = _compile(path, rid, entry["pattern"], defines, lexicons, flags=regex.MULTILINE)
            if "unit" not in pattern.compiled.groupindex:
                raise RuleError(f"{path}: rule {rid!r}: pattern needs a named group (?P<unit>...) at the gap")
            self.gaps.append(GapRule(rid, entry["description"], pattern, entry.get("kind", rid)))


def _prefilter(chrome: list[ChromeRule]) -> Pattern | None:
    """An alternation of every whole-line chrome pattern, used as a sieve with `fullmatch`."""
    branches = [f"(?:{r.pattern.compiled.pattern})" for r in chrome if not r.join_next and not r.search]
    if not branches:
        return None
    try:
        return Pattern("chrome-prefilter", "(all chrome rules)", regex.compile("|".join(branches)))
    except regex.error:
        return None  # e.g. user rules whose group names clash: fall back to asking each rule


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise RuleError(f"{path}: rule file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise RuleError(f"{path}: cannot read: {exc.strerror}") from None


def _defines(path: str, doc: dict) -> dict[str, str]:
    defines = doc.get("define", {})
    if not isinstance(defines, dict) or not all(isinstance(v, str) for v in defines.values()):
        raise RuleError(f"{path}: [define] must map names to pattern strings")
    return defines


def _entries(path: str, doc: dict, key: str) -> Iterator[dict]:
    entries = doc.get(key, [])
    if not isinstance(entries, list):
        raise RuleError(f"{path}: [[{key}]] must be an array of tables")
    seen: set[str] = set()
    for n, entry in enumerate(entries, 1):
        rid = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(rid, str) or not rid:
            raise RuleError(f"{path}: [[{key}]] number {n}: missing 'id'")
        if rid in seen:
            raise RuleError(f"{path}: rule {rid!r}: duplicate id")
        seen.add(rid)
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
    return Pattern(rid, path, compiled)
