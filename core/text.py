"""Text as people mean it: one normal form for names typed, pasted or imported, so that a name that looks the
same is the same (李四 pasted from a chat app with a zero-width space or a right-to-left mark is 李四)."""

import re
import unicodedata

#: Characters that show nothing or reorder what is shown: zero-width spaces and joiners, the byte-order mark,
#: bidirectional embeddings, overrides and isolates, the soft hyphen, word joiners and other invisible format
#: characters. Every Unicode "format" (Cf) character is dropped as well; these are the common ones.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f"
    "\ufeff\uffa0]")
_SPACES = re.compile(r"\s+")
_DROPPED = {"Cc", "Cf", "Cs", "Co"}


def normalize_text(value):
    """NFKC (full-width letters and digits become ordinary ones, compatibility forms fold), then drop control,
    format and invisible characters (zero-width, BOM, bidi overrides), turn every kind of space into one plain
    space and strip the ends. None becomes ""."""
    if value is None:
        return ""
    text = str(value)
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    if not text.isprintable():  # the character loop only for the rare text holding an unprintable character
        text = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) not in _DROPPED)
    return _SPACES.sub(" ", text).strip()


def normalize_name(value):
    """A person's name in its one stored and compared form (see normalize_text). The middle dot of
    transliterated names (·, ・, •, ‧, ．) is written the one way, U+00B7."""
    text = normalize_text(value)
    return re.sub(r"\s*[·・•‧∙⋅]\s*", "·", text)
