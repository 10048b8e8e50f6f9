"""Student text as data, never markup, in the Markdown the grader writes.

Anything a submission controls (exception messages, printed output, file names) goes through
one of these two before it joins Markdown: inline text gets every character that can open
markup inside a line backslash-escaped (CommonMark lets any ASCII punctuation be escaped: no
link, image, emphasis, code, table cell, HTML tag, entity or autolink can form; characters that
matter only at the start of a line, such as "#", "-" or "1.", stay, as the text never starts
one: its line breaks are folded), so file names and sentences read as usual; a block goes in a
code fence longer than any run of backticks inside it, so the text cannot close the fence.
"""
import re

PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>|~&@]|:(?=//))")
WWW = re.compile(r"(?i)(www)\.")  # GitHub's extended autolinks need no punctuation but this dot
BACKTICKS = re.compile(r"`+")


def inline(text):
    """text as literal Markdown on one line."""
    return WWW.sub(r"\1\\.", PUNCTUATION.sub(r"\\\1", " ".join(str(text).split())))


def block(text):
    """text as a literal Markdown code block (a list of lines)."""
    text = str(text)
    fence = "`" * max(3, 1 + max((len(run) for run in BACKTICKS.findall(text)), default=0))
    return [fence, text, fence]
