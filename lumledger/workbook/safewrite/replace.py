"""Replacing the workbook file: lock check, time-stamped backup, temp file + rename, fsync, restore."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from lumledger.findings import LedgerWriteError
from lumledger.workbook.package import OLE_MAGIC, excel_lock_files, libreoffice_lock_file
from lumledger.workbook.safewrite.loaded import LoadedPackage

SUFFIXES = (".xlsx", ".xlsm")


def lock_file_for(path: str | Path) -> Path:
    """Excel's owner ("lock") file for ``path``: ``~$name.xlsx`` beside it."""
    return excel_lock_files(Path(path))[0]


def check_writable(file: Path) -> None:
    name = file.name
    if not file.exists():
        raise LedgerWriteError(
            f"Arbetsboken {name} finns inte; kontrollera sökvägen och filnamnet."
        )
    if not file.is_file():
        raise LedgerWriteError(f"{name} är inte en fil; ange en .xlsx- eller .xlsm-arbetsbok.")
    if file.suffix.lower() == ".xlsb":
        raise LedgerWriteError(
            f"Arbetsboken {name} är en binär Excel-arbetsbok (.xlsb); lumledger läser den men "
            "skriver bara i .xlsx och .xlsm. Spara den i Excel som Excel-arbetsbok med makron "
            "(.xlsm) och kör kommandot på den filen."
        )
    if file.suffix.lower() not in SUFFIXES:
        raise LedgerWriteError(
            f"{name} är inte en Excel-arbetsbok (.xlsx eller .xlsm); lumledger skriver bara i sådana."
        )
    for lock in excel_lock_files(file):
        if lock.exists():
            raise LedgerWriteError(
                f"Arbetsboken {name} är öppen i Excel (låsfilen {lock.name} finns bredvid den); "
                "stäng den och försök igen, eller ta bort låsfilen om Excel inte längre har den öppen."
            )
    office_lock = libreoffice_lock_file(file)
    if office_lock.exists():
        raise LedgerWriteError(
            f"Arbetsboken {name} är öppen i LibreOffice (låsfilen {office_lock.name} finns bredvid "
            "den); stäng den och försök igen, eller ta bort låsfilen om programmet inte är öppet."
        )


def read_original(file: Path) -> bytes:
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise LedgerWriteError(
            f"Arbetsboken {file.name} kunde inte läsas ({exc.strerror}); stäng den i andra program "
            "och försök igen."
        ) from None
    if data.startswith(OLE_MAGIC):
        raise LedgerWriteError(
            f"Arbetsboken {file.name} är lösenordsskyddad eller sparad i det gamla .xls-formatet; "
            "spara den i Excel som vanlig arbetsbok utan lösenord och försök igen."
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise LedgerWriteError(
            f"Filen {file.name} är ingen giltig Excel-arbetsbok (inte ett zip-arkiv); spara den "
            "som .xlsx eller .xlsm i Excel och försök igen."
        )
    return data


def sync_directory(folder: Path) -> None:
    """Make a rename durable (POSIX); a no-op where folders cannot be opened (Windows)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def make_backup(file: Path, original: bytes, now: dt.datetime) -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    counter = 1
    while True:
        suffix = "" if counter == 1 else f"-{counter}"
        backup = file.with_name(f"{file.stem}.backup-{stamp}{suffix}{file.suffix}")
        try:
            with backup.open("xb") as handle:
                handle.write(original)
                handle.flush()
                os.fsync(handle.fileno())
        except FileExistsError:
            counter += 1
            continue
        except OSError as exc:
            raise LedgerWriteError(
                f"Säkerhetskopian {backup.name} kunde inte skapas ({exc.strerror}); ingenting har "
                "ändrats."
            ) from None
        shutil.copystat(file, backup)
        return backup


def write_temp(
    file: Path, package: LoadedPackage, parts: dict[str, bytes], removed: set[str]
) -> Path:
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{file.stem}.", suffix=".lumledger", dir=file.parent
        )
    except OSError as exc:
        raise LedgerWriteError(
            f"Kunde inte skapa en tillfällig fil i mappen {file.parent} ({exc.strerror}); "
            "ingenting har ändrats."
        ) from None
    temp = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            with zipfile.ZipFile(stream, "w") as archive:
                for info in package.infos:
                    if info.filename in removed:
                        continue
                    write_entry(
                        archive, info, parts.get(info.filename, package.data[info.filename])
                    )
                archive.comment = package.comment
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise LedgerWriteError(
            f"Den nya arbetsboken kunde inte skrivas i mappen {file.parent} "
            f"({exc.strerror or exc}); ingenting har ändrats."
        ) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def write_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> None:
    """Write one zip entry with the original's name, time stamp, attributes and compression."""
    entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    entry.compress_type = info.compress_type
    entry.external_attr = info.external_attr
    entry.internal_attr = info.internal_attr
    entry.create_system = info.create_system
    entry.comment = info.comment
    archive.writestr(entry, data, compress_type=info.compress_type)


def restore(backup: Path, file: Path) -> None:
    handle, name = tempfile.mkstemp(prefix=f".{file.stem}.", suffix=".lumledger", dir=file.parent)
    temp = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(backup.read_bytes())
            stream.flush()
            os.fsync(stream.fileno())
        shutil.copystat(backup, temp)
        os.replace(temp, file)
    finally:
        temp.unlink(missing_ok=True)
