"""The renderer: a print document to ESC/POS bytes for one printer profile and paper width.

Text goes as text (not a picture of the receipt): the printer is reset, ONE code page is pinned
with ``ESC t n`` and every line is encoded in it; barcodes, QR codes and logos go as the
printer's own commands where its profile has them, else as raster images, else are left out
with a warning, never a failed receipt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from appliance.core.document import Align, Barcode, Cut, Document, DrawerKick, Feed, Logo, QrCode, Rule, Text

from .code_pages import code_page_for, profile_data
from .commands import ESC, GS, kick_bytes, print_mode
from .escpos_lib import _escpos
from .settings import PrinterSettings

#: The package's logger, as before the split: log lines keep naming ``drivers.printer``, not one of its modules.
log = logging.getLogger(__package__)


@dataclass
class _Style:
    bold: bool = False
    double: bool = False
    align: Align = Align.LEFT


@dataclass
class Renderer:
    """Documents to ESC/POS bytes for one printer profile and paper width."""

    settings: PrinterSettings = field(default_factory=PrinterSettings)

    def __post_init__(self) -> None:
        data = profile_data(self.settings.profile)
        self.profile = data
        self.code_page = code_page_for(self.settings.profile)
        self.font = _font_for(data, self.settings.columns)
        features = data.get("features", {})
        self.hardware_barcode = bool(features.get("barcodeB"))
        self.native_qr = bool(features.get("qrCode")) if self.settings.qr_native is None else self.settings.qr_native
        self.raster = bool(features.get("bitImageRaster"))
        pixels = data.get("media", {}).get("width", {}).get("pixels")
        self.dots = pixels if isinstance(pixels, int) else self.settings.columns * 12

    @property
    def columns(self) -> int:
        return self.settings.columns

    def render(self, document: Document) -> bytes:
        out = _escpos()["printer"].Dummy(profile=self.settings.profile)
        out.hw("INIT")
        out._raw(self.code_page.select)
        if self.font:
            out._raw(ESC + b"M" + bytes([self.font]))
        style = _Style()
        for block in document.blocks:
            if isinstance(block, Text):
                self._text(out, style, block)
            elif isinstance(block, Rule):
                self._text(out, style, Text((self.code_page.printable(block.char) or "-")[0] * self.columns))
            elif isinstance(block, Feed):
                out.print_and_feed(max(0, min(255, block.lines)))
            elif isinstance(block, Cut):
                out.cut(mode="PART" if block.partial else "FULL")
            elif isinstance(block, DrawerKick):
                out._raw(kick_bytes(self.settings.drawer_pin, self.settings.pulse_ms))
            elif isinstance(block, Barcode):
                self._barcode(out, style, block)
            elif isinstance(block, QrCode):
                self._qr(out, style, block)
            elif isinstance(block, Logo):
                self._logo(out, style, block)
        return bytes(out.output)

    def _text(self, out: Any, style: _Style, block: Text) -> None:
        if (block.double, block.bold) != (style.double, style.bold):
            out._raw(print_mode(self.font, bold=block.bold, double=block.double))
            style.double, style.bold = block.double, block.bold
        self._align(out, style, block.align)
        width = self.columns // 2 if block.double else self.columns
        out._raw(self.code_page.encode(block.text, width) + b"\n")

    def _align(self, out: Any, style: _Style, align: Align) -> None:
        if align is not style.align:
            out.set(align=align.value)
            style.align = align

    def _barcode(self, out: Any, style: _Style, block: Barcode) -> None:
        data = block.data
        if not data or len(data) > 250 or not all(32 <= ord(c) < 127 for c in data):
            log.warning("barcode %r left out: CODE128 here takes 1 to 250 printable ASCII characters", data)
            return
        if self.hardware_barcode:
            out._hw_barcode("{B" + data.replace("{", "{{"), "CODE128", height=80, width=2, pos="OFF", function_type="B")
            style.align = Align.CENTER
        elif self.raster:
            self._image(out, style, _software_barcode(data))
        else:
            log.warning(
                "barcode %r left out: profile %s prints neither barcodes nor images", data, self.settings.profile
            )
            return
        self._align(out, style, Align.LEFT)

    def _qr(self, out: Any, style: _Style, block: QrCode) -> None:
        if not block.data:
            return
        size = self._qr_size(block)
        if self.native_qr:
            self._align(out, style, Align.CENTER)
            out.qr(block.data, size=size, native=True)
        elif self.raster:
            import qrcode

            # Level L, as the native command asks and as _qr_size sized it: the library's default (M)
            # takes a larger version for a long code, wider than sized (then scaled down, smeared).
            code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, box_size=size, border=1)
            code.add_data(block.data)
            code.make(fit=True)
            self._image(out, style, code.make_image().get_image().convert("RGB"))
        else:
            log.warning("QR code left out: profile %s prints neither QR codes nor images", self.settings.profile)
        self._align(out, style, Align.LEFT)

    def _qr_size(self, block: QrCode) -> int:
        """The module size asked for, made smaller when the symbol would be wider than the paper
        (a long code needs a large QR version; its quiet zone of 4 modules a side counted)."""
        asked = max(1, min(16, block.size))
        modules = 17 + 4 * _qr_version(block.data) + 8
        return max(1, min(asked, self.dots // modules))

    def _logo(self, out: Any, style: _Style, block: Logo) -> None:
        from PIL import Image, UnidentifiedImageError

        if not self.raster:
            log.warning("logo left out: profile %s prints no raster images", self.settings.profile)
            return
        try:
            if block.data is not None:
                image = Image.open(BytesIO(block.data))
            elif block.path:
                image = Image.open(block.path)
            else:
                return
            with image:
                image.load()
                picture = image.copy()
        except (OSError, UnidentifiedImageError) as exc:
            log.warning("logo left out: %s", exc)
            return
        self._image(out, style, picture)
        self._align(out, style, Align.LEFT)

    def _image(self, out: Any, style: _Style, image: Any) -> None:
        out._raw(self.raster_bytes(image))

    def raster_bytes(self, image: Any) -> bytes:
        """``GS v 0`` raster commands for a Pillow image, centred, scaled down to the paper width.

        Built here rather than with python-escpos's ``image()``, which prints a notice on stdout
        for profiles of unknown width; bands of at most 255 rows suit older printers too.
        """
        from PIL import Image

        if image.width > self.dots:
            height = max(1, round(image.height * self.dots / image.width))
            image = image.resize((self.dots, height), Image.Resampling.LANCZOS)
        if image.width < self.dots:
            canvas = Image.new("RGBA", (self.dots, image.height), (255, 255, 255, 255))
            canvas.paste(image.convert("RGBA"), ((self.dots - image.width) // 2, 0))
            image = canvas
        picture = _escpos()["image"].EscposImage(image)
        raster = picture.to_raster_format()
        row = picture.width_bytes
        chunks = [ESC + b"a\x00"]
        for top in range(0, picture.height, 255):
            rows = min(255, picture.height - top)
            header = GS + b"v0\x00" + row.to_bytes(2, "little") + rows.to_bytes(2, "little")
            chunks.append(header + raster[top * row : (top + rows) * row])
        return b"".join(chunks)


def _font_for(profile: dict[str, Any], columns: int) -> int:
    """Font A when it holds ``columns`` characters a line, else the first narrower font that does."""
    fonts = profile.get("fonts", {})
    for number in sorted(fonts, key=int):
        if fonts[number].get("columns", 0) >= columns:
            return int(number)
    return 0


def _software_barcode(data: str) -> Any:
    import barcode
    from barcode.writer import ImageWriter

    code = barcode.get("code128", data, writer=ImageWriter())
    return code.render(writer_options={"write_text": False, "module_height": 8.0, "quiet_zone": 1.0, "dpi": 203})


def _qr_version(data: str) -> int:
    """The smallest QR version that holds ``data`` at error correction L (what python-escpos's ``qr``
    asks the printer for), from the qrcode library's own capacity tables: building the symbol to
    learn its size would cost tens of milliseconds for a long code, its masks tried eight times."""
    from qrcode import constants, util

    raw = data.encode("utf-8")
    alphanumeric = all(byte in util.ALPHA_NUM for byte in raw)
    mode = util.MODE_ALPHA_NUM if alphanumeric else util.MODE_8BIT_BYTE
    bits = 11 * (len(raw) // 2) + 6 * (len(raw) % 2) if alphanumeric else 8 * len(raw)
    limits = util.BIT_LIMIT_TABLE[constants.ERROR_CORRECT_L]
    for version in range(1, 41):
        if 4 + util.length_in_bits(mode, version) + bits <= limits[version]:
            return version
    return 40
