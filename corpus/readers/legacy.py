"""Old binary Word/Excel/WPS files (.doc, .xls, .wps, .et): converted to .docx/.xlsx with LibreOffice
(`soffice --headless --convert-to`) when it is on the machine, then read as those."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from corpus.errors import RegisterFormatError

HOW = ("open it in Word or WPS and save it as .docx (Excel: .xlsx), or install LibreOffice "
       "(`apt-get install -y libreoffice-writer-nogui libreoffice-calc-nogui`) so it is converted automatically")


def convert(path: Path, name: str, target: str, timeout: float = 180.0) -> tuple[Path, tempfile.TemporaryDirectory]:
    """Convert `path` to `target` ("docx" or "xlsx") in a temporary folder the caller keeps alive."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise RegisterFormatError(name, f"an old binary Office file; LibreOffice is not installed: {HOW}")
    tmp = tempfile.TemporaryDirectory(prefix="register-")
    profile = Path(tmp.name) / "profile"
    try:
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", target,
                        "--outdir", tmp.name, str(path)], capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        tmp.cleanup()
        raise RegisterFormatError(name, f"LibreOffice did not convert it within {timeout:.0f} s; {HOW}") from exc
    out = Path(tmp.name) / f"{path.stem}.{target}"
    if not out.exists():
        tmp.cleanup()
        raise RegisterFormatError(name, f"LibreOffice could not convert it to .{target}; {HOW}")
    return out, tmp
