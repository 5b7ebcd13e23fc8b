"""Keyboard layouts: which character a keyboard-wedge scanner meant by each key it pressed.

A USB scanner in keyboard mode does not send characters: it presses physical keys (evdev key
codes), choosing them with the keyboard layout it was programmed for. The host must decode them
with the same layout, or the scan is garbled. A head-less box has no X server to ask (Odoo's IoT
box uses XKB through X), so the five layouts our hubs use are written out here, transcribed from
the xkeyboard-config "basic" variants: us, fr (AZERTY), be (Belgian AZERTY), de (QWERTZ), uk.

Each key holds up to three levels: plain, Shift, AltGr. Caps Lock flips Shift for letters only
(a key whose Shift level is the upper case of its plain level), as on a real keyboard: on AZERTY
the digit row stays `&é"'(-è_çà` with Caps Lock on, and digits need Shift. A combining accent in a
table is a dead key: it types nothing until the next key (`^` then `e` gives `ê`, `^` then space
gives `^`).

Control characters, which GS1 barcodes need (GS, 0x1D, separates variable-length fields), reach
us in one of three ways, all decoded here:
- Ctrl + key, "Control+ASCII" mode: Ctrl+] is GS; Ctrl+[ ESC, Ctrl+\\ FS, Ctrl+Shift+6 RS,
  Ctrl+Shift+- US, Ctrl+letter 0x01-0x1A. The punctuation is read at its US key position
  (where most scanners press it whatever their layout) or where the layout types it;
- Alt + keypad digits, "ALT mode" (layout-independent): Alt held, KP0 KP2 KP9, Alt released,
  gives chr(29); any code point can come this way;
- a printable substitute the scanner is programmed to send instead (see scanner/assembler.py).

Num Lock is ignored: keypad keys always type digits and operators, since no scanner uses them to
move a cursor. Right Alt is AltGr except on us, where it is a second Alt; Ctrl+Alt together also
act as AltGr on layouts that have it (scanners made for Windows send AltGr that way).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

# Linux key codes (include/uapi/linux/input-event-codes.h): a stable kernel ABI, so they are
# written here rather than imported from evdev, which only exists on Linux.
KEY_ESC = 1
KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7, KEY_8, KEY_9, KEY_0 = range(2, 12)
KEY_MINUS, KEY_EQUAL, KEY_BACKSPACE, KEY_TAB = 12, 13, 14, 15
KEY_Q, KEY_W, KEY_E, KEY_R, KEY_T, KEY_Y, KEY_U, KEY_I, KEY_O, KEY_P = range(16, 26)
KEY_LEFTBRACE, KEY_RIGHTBRACE, KEY_ENTER, KEY_LEFTCTRL = 26, 27, 28, 29
KEY_A, KEY_S, KEY_D, KEY_F, KEY_G, KEY_H, KEY_J, KEY_K, KEY_L = range(30, 39)
KEY_SEMICOLON, KEY_APOSTROPHE, KEY_GRAVE, KEY_LEFTSHIFT, KEY_BACKSLASH = 39, 40, 41, 42, 43
KEY_Z, KEY_X, KEY_C, KEY_V, KEY_B, KEY_N, KEY_M = range(44, 51)
KEY_COMMA, KEY_DOT, KEY_SLASH, KEY_RIGHTSHIFT, KEY_KPASTERISK, KEY_LEFTALT, KEY_SPACE, KEY_CAPSLOCK = range(51, 59)
KEY_NUMLOCK = 69
KEY_KP7, KEY_KP8, KEY_KP9, KEY_KPMINUS, KEY_KP4, KEY_KP5, KEY_KP6, KEY_KPPLUS = range(71, 79)
KEY_KP1, KEY_KP2, KEY_KP3, KEY_KP0, KEY_KPDOT = range(79, 84)
KEY_102ND = 86
KEY_KPENTER, KEY_RIGHTCTRL, KEY_KPSLASH = 96, 97, 98
KEY_RIGHTALT = 100

# Event types and codes of the same header: what a keyboard's event stream carries besides keys.
EV_SYN, EV_KEY, EV_MSC, EV_LED = 0x00, 0x01, 0x04, 0x11
SYN_REPORT, SYN_DROPPED = 0, 3
MSC_SCAN = 4
LED_CAPSL = 1

KEYPAD = {
    KEY_KP0: "0",
    KEY_KP1: "1",
    KEY_KP2: "2",
    KEY_KP3: "3",
    KEY_KP4: "4",
    KEY_KP5: "5",
    KEY_KP6: "6",
    KEY_KP7: "7",
    KEY_KP8: "8",
    KEY_KP9: "9",
    KEY_KPDOT: ".",
    KEY_KPASTERISK: "*",
    KEY_KPMINUS: "-",
    KEY_KPPLUS: "+",
    KEY_KPSLASH: "/",
}
KEYPAD_DIGITS = {code: char for code, char in KEYPAD.items() if char.isdigit()}
SHIFTS = frozenset({KEY_LEFTSHIFT, KEY_RIGHTSHIFT})
CTRLS = frozenset({KEY_LEFTCTRL, KEY_RIGHTCTRL})
MODIFIERS = SHIFTS | CTRLS | {KEY_LEFTALT, KEY_RIGHTALT}

GS = "\x1d"
# Dead keys are written as combining accents; typed before a space they give these characters.
SPACING = {"\u0302": "^", "\u0300": "`", "\u0301": "´", "\u0303": "~", "\u0308": "¨"}

# The key rows, left to right, as the tables below list them.
DIGIT_ROW = (KEY_GRAVE, KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7, KEY_8, KEY_9, KEY_0, KEY_MINUS, KEY_EQUAL)
TOP_ROW = (KEY_Q, KEY_W, KEY_E, KEY_R, KEY_T, KEY_Y, KEY_U, KEY_I, KEY_O, KEY_P, KEY_LEFTBRACE, KEY_RIGHTBRACE)
HOME_ROW = (KEY_A, KEY_S, KEY_D, KEY_F, KEY_G, KEY_H, KEY_J, KEY_K, KEY_L, KEY_SEMICOLON, KEY_APOSTROPHE, KEY_BACKSLASH)
BOTTOM_ROW = (KEY_102ND, KEY_Z, KEY_X, KEY_C, KEY_V, KEY_B, KEY_N, KEY_M, KEY_COMMA, KEY_DOT, KEY_SLASH)


@dataclass(frozen=True)
class Stroke:
    """One key pressed with its modifiers: what a scanner does to type one character."""

    code: int
    shift: bool = False
    altgr: bool = False
    ctrl: bool = False


@dataclass(frozen=True)
class Layout:
    """A keyboard layout: for each key, its characters at the plain, Shift and AltGr levels."""

    name: str
    title: str
    keys: dict[int, str]
    has_altgr: bool = True
    _typing: dict[str, tuple[Stroke, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_typing", self._reverse())

    def level(self, code: int, level: int) -> str | None:
        """The character (or combining accent for a dead key) at a level: 0 plain, 1 Shift, 2 AltGr."""
        chars = self.keys.get(code, "")
        return chars[level] if level < len(chars) else None

    def is_letter(self, code: int) -> bool:
        """Caps Lock acts on this key: its Shift level is the capital of its plain level."""
        base, shifted = self.level(code, 0), self.level(code, 1)
        return bool(base and shifted and base.isalpha() and base != shifted and base.upper() == shifted)

    def strokes(self, char: str) -> tuple[Stroke, ...] | None:
        """The keys to press to type ``char`` (dead key first if it needs one); None if it cannot."""
        return self._typing.get(char)

    def typable(self) -> str:
        """Every character this layout can type (letters with dead-key accents included)."""
        return "".join(sorted(self._typing))

    def _reverse(self) -> dict[str, tuple[Stroke, ...]]:
        # The plainest way wins (no modifier, then Shift, then AltGr), and the ISO key left of Z
        # only when nothing else types the character: a US scanner never presses it.
        order = sorted(self.keys, key=lambda code: (code == KEY_102ND, code))
        direct: dict[str, Stroke] = {}
        dead: dict[str, Stroke] = {}
        for level in (0, 1, 2):
            for code in order:
                char = self.level(code, level)
                if char is not None:
                    stroke = Stroke(code, shift=level == 1, altgr=level == 2)
                    (dead if char in SPACING else direct).setdefault(char, stroke)
        typing: dict[str, tuple[Stroke, ...]] = {char: (stroke,) for char, stroke in direct.items()}
        for accent, stroke in dead.items():
            typing.setdefault(SPACING[accent], (stroke, Stroke(KEY_SPACE)))
            for letter in "aeiouyAEIOUYnN":
                composed = unicodedata.normalize("NFC", letter + accent)
                if len(composed) == 1 and composed not in typing and letter in direct:
                    typing[composed] = (stroke, direct[letter])
        return typing


def _rows(*rows: tuple[tuple[int, ...], tuple[str, ...]]) -> dict[int, str]:
    keys = {KEY_SPACE: "  "}  # Shift+Space is a space too
    for codes, chars in rows:
        assert len(codes) == len(chars), (codes, chars)
        keys.update({code: c for code, c in zip(codes, chars) if c})
    return keys


# Per key: plain, Shift, AltGr. "\u0302" and friends are dead keys (circumflex, grave, acute, tilde,
# diaeresis). An AltGr level of a rarely-typed symbol is left out where the table says so.
US = Layout(
    "us",
    "US QWERTY",
    _rows(
        (DIGIT_ROW, ("`~", "1!", "2@", "3#", "4$", "5%", "6^", "7&", "8*", "9(", "0)", "-_", "=+")),
        (TOP_ROW, ("qQ", "wW", "eE", "rR", "tT", "yY", "uU", "iI", "oO", "pP", "[{", "]}")),
        (HOME_ROW, ("aA", "sS", "dD", "fF", "gG", "hH", "jJ", "kK", "lL", ";:", "'\"", "\\|")),
        (BOTTOM_ROW, ("<>", "zZ", "xX", "cC", "vV", "bB", "nN", "mM", ",<", ".>", "/?")),
    ),
    has_altgr=False,
)

FR = Layout(
    "fr",
    "French AZERTY",
    _rows(
        (DIGIT_ROW, ("²~¬", "&1¹", "é2~", '"3#', "'4{", "(5[", "-6|", "è7`", "_8\\", "ç9^", "à0@", ")°]", "=+}")),
        (TOP_ROW, ("aAæ", "zZ«", "eE€", "rR¶", "tTŧ", "yY←", "uU↓", "iI→", "oOø", "pPþ", "\u0302\u0308\u0308", "$£¤")),
        (HOME_ROW, ("qQ@", "sSß", "dDð", "fFđ", "gGŋ", "hHħ", "jJ", "kKĸ", "lLł", "mMµ", "ù%\u0302", "*µ\u0300")),
        (BOTTOM_ROW, ("<>|", "wWł", "xX»", "cC¢", "vV„", "bB“", "nN”", ",?\u0301", ";.•", ":/·", "!§")),
    ),
)

BE = Layout(
    "be",
    "Belgian AZERTY",
    _rows(
        (DIGIT_ROW, ("²³¬", "&1|", "é2@", '"3#', "'4¼", "(5½", "§6^", "è7{", "!8[", "ç9{", "à0}", ")°\\", "-_")),
        (TOP_ROW, ("aA@", "zZſ", "eE€", "rR¶", "tTŧ", "yY←", "uU↓", "iI→", "oOœ", "pPþ", "\u0302\u0308[", "$*]")),
        (HOME_ROW, ("qQæ", "sSß", "dDð", "fFđ", "gGŋ", "hHħ", "jJ", "kKĸ", "lLł", "mM\u0301", "ù%\u0301", "µ£\u0300")),
        (BOTTOM_ROW, ("<>\\", "wW«", "xX»", "cC¢", "vV„", "bB“", "nN”", ",?", ";.•", ":/·", "=+\u0303")),
    ),
)

DE = Layout(
    "de",
    "German QWERTZ",
    _rows(
        (
            DIGIT_ROW,
            ("\u0302°′", "1!¹", '2"²', "3§³", "4$¼", "5%½", "6&¬", "7/{", "8([", "9)]", "0=}", "ß?\\", "\u0301\u0300"),
        ),
        (TOP_ROW, ("qQ@", "wWſ", "eE€", "rR¶", "tTŧ", "zZ←", "uU↓", "iI→", "oOø", "pPþ", "üÜ\u0308", "+*~")),
        (HOME_ROW, ("aAæ", "sSſ", "dDð", "fFđ", "gGŋ", "hHħ", "jJ", "kKĸ", "lLł", "öÖ", "äÄ\u0302", "#'’")),
        (BOTTOM_ROW, ("<>|", "yY»", "xX«", "cC¢", "vV„", "bB“", "nN”", "mMµ", ",;·", ".:…", "-_–")),
    ),
)

UK = Layout(
    "uk",
    "UK QWERTY",
    _rows(
        (DIGIT_ROW, ("`¬|", "1!¹", '2"²', "3£³", "4$€", "5%½", "6^¾", "7&{", "8*[", "9(]", "0)}", "-_\\", "=+")),
        (TOP_ROW, ("qQ@", "wWſ", "eE", "rR¶", "tTŧ", "yY←", "uU↓", "iI→", "oOø", "pPþ", "[{\u0308", "]}\u0303")),
        (HOME_ROW, ("aAæ", "sSß", "dDð", "fFđ", "gGŋ", "hHħ", "jJ", "kKĸ", "lLł", ";:\u0301", "'@\u0302", "#~\u0300")),
        (BOTTOM_ROW, ("\\|", "zZ«", "xX»", "cC¢", "vV„", "bB“", "nN”", "mMµ", ",<•", ".>·", "/?")),
    ),
)

LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (US, FR, BE, DE, UK)}
LAYOUT_NAMES = tuple(LAYOUTS)

# Ctrl + the key at this US position gives the control character, whatever the layout.
CTRL_PUNCTUATION = {
    (KEY_LEFTBRACE, False): "\x1b",
    (KEY_BACKSLASH, False): "\x1c",
    (KEY_RIGHTBRACE, False): GS,
    (KEY_6, True): "\x1e",
    (KEY_MINUS, True): "\x1f",
}
CTRL_BY_CHAR = {"[": "\x1b", "\\": "\x1c", "]": GS, "^": "\x1e", "_": "\x1f"}


def get_layout(name: str) -> Layout:
    try:
        return LAYOUTS[name]
    except KeyError:
        raise ValueError(f"unknown keyboard layout {name!r}: choose one of {', '.join(LAYOUT_NAMES)}") from None


class KeyDecoder:
    """Turns key events into text for one layout, keeping the state a keyboard host keeps.

    Fed every EV_KEY event (value 1 press, 0 release, 2 auto-repeat, ignored), it returns the text
    each event types: usually "" (a release, a modifier) or one character; a dead key followed by
    a key it cannot combine with gives both; releasing Alt after keypad digits gives the
    character of that code.
    """

    def __init__(self, layout: Layout, *, caps_lock: bool = False) -> None:
        self.layout = layout
        self.caps_lock = caps_lock
        self._held: set[int] = set()
        self._dead: str | None = None
        self._alt_code = ""

    def reset(self) -> None:
        """Forget held keys and half-typed sequences: after a disconnect or lost events."""
        self._held.clear()
        self._dead = None
        self._alt_code = ""

    def key(self, code: int, value: int) -> str:
        if value == 0:
            return self._release(code)
        if value != 1:
            return ""
        if code in MODIFIERS:
            self._held.add(code)
            return ""
        if code == KEY_CAPSLOCK:
            self.caps_lock = not self.caps_lock
            return ""
        if code in KEYPAD_DIGITS and self._alt:
            self._alt_code += KEYPAD_DIGITS[code]
            return ""
        return self._type(code)

    def _modifiers(self) -> tuple[bool, bool, bool]:
        """Shift, Ctrl, AltGr as a host sees them: Ctrl+Alt is AltGr (and no longer Ctrl)."""
        shift, ctrl = bool(self._held & SHIFTS), bool(self._held & CTRLS)
        if not self.layout.has_altgr:
            return shift, ctrl, False
        if KEY_RIGHTALT in self._held:
            return shift, ctrl, True
        if ctrl and KEY_LEFTALT in self._held:
            return shift, False, True
        return shift, ctrl, False

    @property
    def _alt(self) -> bool:
        """Plain Alt (for Alt+keypad codes): left Alt, or right Alt on a layout without AltGr."""
        alt = KEY_LEFTALT in self._held or (KEY_RIGHTALT in self._held and not self.layout.has_altgr)
        return alt and not self._held & CTRLS

    def _release(self, code: int) -> str:
        self._held.discard(code)
        if code in (KEY_LEFTALT, KEY_RIGHTALT) and self._alt_code and not self._alt:
            number, self._alt_code = int(self._alt_code), ""
            return chr(number) if 0 < number < 0x110000 else ""
        return ""

    def _type(self, code: int) -> str:
        if code in (KEY_ENTER, KEY_KPENTER):
            return self._flush_dead("\n")
        if code == KEY_TAB:
            return self._flush_dead("\t")
        if code in KEYPAD:
            return self._flush_dead(KEYPAD[code])
        shift, ctrl, altgr = self._modifiers()
        if ctrl and not altgr:
            return self._control(code, shift)
        level = 2 if altgr else 1 if shift else 0
        if level < 2 and self.caps_lock and self.layout.is_letter(code):
            level = 1 - level
        char = self.layout.level(code, level)
        if char is None:
            return ""
        if ctrl and char == "]":  # Ctrl+AltGr on the key that types ]
            return GS
        if char in SPACING:
            if self._dead is None:
                self._dead = char
                return ""
            return self._flush_dead(SPACING[char] if char != self._dead else "")
        if self._dead is not None:
            accent, self._dead = self._dead, None
            if char == " ":
                return SPACING[accent]
            composed = unicodedata.normalize("NFC", char + accent)
            return composed if len(composed) == 1 else SPACING[accent] + char
        return char

    def _flush_dead(self, text: str) -> str:
        accent, self._dead = self._dead, None
        return (SPACING[accent] if accent else "") + text

    def _control(self, code: int, shift: bool) -> str:
        if control := CTRL_PUNCTUATION.get((code, shift)):
            return control
        base = self.layout.level(code, 1 if shift else 0) or ""
        if control := CTRL_BY_CHAR.get(base):
            return control
        letter = (self.layout.level(code, 0) or "").lower()
        if len(letter) == 1 and "a" <= letter <= "z":
            return chr(ord(letter) - ord("a") + 1)
        return ""


def decode(layout: Layout, events: list[tuple[int, int]], *, caps_lock: bool = False) -> str:
    """The text a list of (key code, value) events types with a layout."""
    decoder = KeyDecoder(layout, caps_lock=caps_lock)
    return "".join(decoder.key(code, value) for code, value in events)
