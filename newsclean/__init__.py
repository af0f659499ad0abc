"""newsclean: turn scraped Chinese news into clean, deduplicated, annotated text.

    >>> from newsclean import clean
    >>> result = clean("首页 » 新闻 » 本地\\n园区总投资亿元，同比增长%。")
    >>> result.text
    '园区总投资亿元，同比增长%。'
    >>> [(a["start"], a["rule"]) for a in result.annotations]
    [(5, 'model+amount-without-number'), (12, 'model+percent-without-number')]
"""
from .document import Annotation, Document, Removal
from .pipeline import Options, Pipeline, Result, clean
from .rulebook import RuleError, RuleSet

__all__ = ["clean", "Pipeline", "Options", "Result", "Document", "Annotation", "Removal", "RuleSet", "RuleError"]
__version__ = "0.1.0"
