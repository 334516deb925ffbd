"""manifest.json: reading it into contract.Manifest with every problem named, writing it, and batch discovery.

The manifest of a batch folder:

    {
      "format_version": 1,
      "business_date": "2025-06-30",          ISO date, an exchange trading day
      "kind": "daily",                          daily | backfill
      "start_date": "",                         backfill: first date covered (ISO); daily: empty
      "encoding": "utf-8",                      CSV files: utf-8 | gbk; absent: detected per file
      "customers_mode": "delta",                full | delta
      "files": [
        {"entity": "trades", "path": "trades.csv", "format": "csv", "rows": 123, "sha256": "<64 hex>"},
        ...
      ]
    }

Keys the contract does not know are kept in Manifest.extra. Pure Python: no Django, no DuckDB.
"""

import hashlib
import json
import re
from datetime import date
from pathlib import Path

from brokerdesk.core.calendar import is_trading_day

from . import contract
from .errors import BatchError, batch_error

FORMATS = ("csv", "parquet")
CUSTOMERS_MODES = ("full", "delta")
ENCODING_NAMES = {"utf-8": "utf-8", "utf8": "utf-8", "gbk": "gbk"}
DETECT = ""  # Manifest.encoding when the manifest declares none: detected per file
_KNOWN_KEYS = {"format_version", "business_date", "kind", "start_date", "encoding", "customers_mode", "files"}
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_HASH_CHUNK = 16 << 20


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 16 MB chunks (hashlib releases the GIL, so this runs well in a thread)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_to_dict(manifest: contract.Manifest) -> dict:
    data = {
        "format_version": manifest.format_version,
        "business_date": manifest.business_date,
        "kind": manifest.kind,
        "start_date": manifest.start_date,
        "encoding": manifest.encoding,
        "customers_mode": manifest.customers_mode,
        "files": [
            {"entity": f.entity, "path": f.path, "format": f.format, "rows": f.rows, "sha256": f.sha256}
            for f in manifest.files
        ],
    }
    data.update(manifest.extra)
    return data


def write_manifest(batch_dir: Path, manifest: contract.Manifest) -> Path:
    path = Path(batch_dir) / contract.MANIFEST
    path.write_text(json.dumps(manifest_to_dict(manifest), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def _iso_date(value: object) -> date | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def non_trading_reason(day: date) -> str:
    """Why a day is not an exchange trading day, in words ("" for a trading day)."""
    from brokerdesk.core.calendar import holiday_name, is_working_day

    if is_trading_day(day):
        return ""
    holiday = holiday_name(day)
    weekday = day.strftime("%A")
    if day.weekday() >= 5 and is_working_day(day):
        occasion = f" for {holiday}" if holiday else ""
        return f"a {weekday} make-up working day (调休{occasion}): exchanges do not trade on weekends"
    if day.weekday() >= 5:
        return f"a {weekday}"
    return f"a public holiday ({holiday})" if holiday else "a public holiday"


def read_manifest(batch_dir: Path) -> tuple[contract.Manifest | None, list[BatchError]]:
    """Parse and check manifest.json. Returns (manifest, errors); manifest is None when unusable.

    The returned manifest holds only the file entries that can be read (known entity allowed in this kind, a
    safe path to an existing file, a known format); every other problem is in the errors. Encoding names are
    normalised to "utf-8" / "gbk" ("" when the manifest declares none: detect per file).
    """
    batch_dir = Path(batch_dir)
    errors: list[BatchError] = []

    def err(field: str, value: object, reason: str) -> None:
        errors.append(batch_error(contract.MANIFEST, None, field, value, reason))

    path = batch_dir / contract.MANIFEST
    if not path.is_file():
        err("", "", f"manifest.json is missing from the batch folder {batch_dir}")
        return None, errors
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        err("", "", f"manifest.json is not UTF-8 text: {exc.reason} at byte {exc.start}")
        return None, errors
    except json.JSONDecodeError as exc:
        err("", "", f"manifest.json is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
        return None, errors
    if not isinstance(data, dict):
        err("", type(data).__name__, "manifest.json must be a JSON object")
        return None, errors

    version = data.get("format_version")
    if version != contract.FORMAT_VERSION or isinstance(version, bool):
        err("format_version", version, f"format_version must be {contract.FORMAT_VERSION}")

    business_date = _iso_date(data.get("business_date"))
    if business_date is None:
        err("business_date", data.get("business_date"), "business_date must be an ISO date (YYYY-MM-DD)")
    elif not is_trading_day(business_date):
        err("business_date", business_date.isoformat(),
            f"business_date is not a trading day: {business_date.isoformat()} is {non_trading_reason(business_date)}")

    kind = data.get("kind")
    if kind not in contract.KINDS:
        err("kind", kind, f"kind must be one of: {', '.join(contract.KINDS)}")

    start_raw = data.get("start_date", "") or ""
    start_date = _iso_date(start_raw) if start_raw else None
    if kind == contract.BACKFILL:
        if start_date is None:
            err("start_date", start_raw, "a backfill needs start_date, an ISO date (YYYY-MM-DD)")
        elif business_date and start_date > business_date:
            err("start_date", start_raw, f"start_date is after business_date {business_date.isoformat()}")
    elif start_raw and (start_date is None or start_date != business_date):
        err("start_date", start_raw, "start_date is for backfill batches only (a daily batch covers its business date)")

    encoding = DETECT
    if "encoding" in data:
        raw = data.get("encoding")
        encoding = ENCODING_NAMES.get(raw.strip().lower(), "") if isinstance(raw, str) else ""
        if not encoding:
            err("encoding", raw, "encoding must be utf-8 or gbk")

    customers_mode = data.get("customers_mode", "delta")
    if customers_mode not in CUSTOMERS_MODES:
        err("customers_mode", customers_mode, "customers_mode must be full or delta")

    files = _read_files(batch_dir, data.get("files"), kind, err)

    if errors and (business_date is None or kind not in contract.KINDS):
        return None, errors
    manifest = contract.Manifest(
        business_date=business_date.isoformat() if business_date else "",
        kind=kind,
        files=tuple(files),
        start_date=start_date.isoformat() if start_date else "",
        encoding=encoding,
        customers_mode=customers_mode if customers_mode in CUSTOMERS_MODES else "delta",
        format_version=contract.FORMAT_VERSION,
        extra={key: value for key, value in data.items() if key not in _KNOWN_KEYS},
    )
    return manifest, errors


def _read_files(batch_dir: Path, entries: object, kind: object, err) -> list[contract.ManifestFile]:
    if not isinstance(entries, list):
        err("files", entries, "files must be a list of {entity, path, format, rows, sha256}")
        return []
    files: list[contract.ManifestFile] = []
    seen_entities: set[str] = set()
    seen_paths: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        where = f"files[{number}]"
        if not isinstance(entry, dict):
            err(where, entry, "each file entry must be an object")
            continue
        entity, path, fmt = entry.get("entity"), entry.get("path"), entry.get("format")
        rows, sha256 = entry.get("rows"), entry.get("sha256")
        usable = True
        spec = contract.ENTITY_BY_NAME.get(entity) if isinstance(entity, str) else None
        if spec is None:
            err(f"{where}.entity", entity, f"unknown entity; the contract knows: {', '.join(contract.APPLY_ORDER)}")
            usable = False
        elif kind in contract.KINDS and kind not in spec.kinds:
            err(f"{where}.entity", entity, f"entity {entity} is not allowed in a {kind} batch")
            usable = False
        elif entity in seen_entities:
            err(f"{where}.entity", entity, f"entity {entity} is listed twice (one file per entity)")
            usable = False
        if fmt not in FORMATS:
            err(f"{where}.format", fmt, "format must be csv or parquet")
            usable = False
        if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
            err(f"{where}.rows", rows, "rows must be a whole number >= 0")
            rows = -1
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
            err(f"{where}.sha256", sha256, "sha256 must be 64 hexadecimal characters")
            sha256 = ""
        if not isinstance(path, str) or not _safe_name(path):
            err(f"{where}.path", path, "path must be the name of a file inside the batch folder (no folders, no ..)")
            usable = False
        elif path in seen_paths:
            err(f"{where}.path", path, "the same file is listed twice")
            usable = False
        elif not (batch_dir / path).is_file():
            err(f"{where}.path", path, "file listed in the manifest is missing from the batch folder")
            usable = False
        elif (batch_dir / path).resolve().parent != batch_dir.resolve():
            err(f"{where}.path", path, "path leads outside the batch folder (a symbolic link)")
            usable = False
        elif fmt in FORMATS and not path.lower().endswith("." + fmt):
            err(f"{where}.path", path, f"format is {fmt} but the file name does not end in .{fmt}")
            usable = False
        if usable:
            seen_entities.add(entity)
            seen_paths.add(path)
            files.append(contract.ManifestFile(entity=entity, path=path, format=fmt, rows=rows,
                                               sha256=sha256.lower()))
        elif isinstance(path, str):
            seen_paths.add(path)
    for stray in sorted(batch_dir.iterdir()):
        if stray.is_file() and stray.suffix.lower() in (".csv", ".parquet") and stray.name not in seen_paths:
            err("files", stray.name, f"data file {stray.name} is in the batch folder but not in the manifest")
    return files


def _safe_name(path: str) -> bool:
    """A plain file name: no separators, no drive, not . or .., no control characters."""
    return (
        bool(path)
        and path not in (".", "..")
        and "/" not in path
        and "\\" not in path
        and ":" not in path
        and not any(ord(ch) < 32 for ch in path)
        and Path(path).name == path
    )


def discover_batches(root: Path) -> list[Path]:
    """The batch folders under root, in business-date order.

    root itself when it holds manifest.json; otherwise its sub-folders that hold one, ordered by the manifest's
    business_date (then by folder name; unreadable manifests sort last so their errors are reported).
    """
    root = Path(root)
    if (root / contract.MANIFEST).is_file():
        return [root]

    def sort_key(folder: Path) -> tuple[str, str]:
        try:
            data = json.loads((folder / contract.MANIFEST).read_text(encoding="utf-8-sig"))
            business_date = data.get("business_date") if isinstance(data, dict) else None
        except (OSError, ValueError):
            business_date = None
        return (business_date if isinstance(business_date, str) else "9999", folder.name)

    folders = [p for p in root.iterdir() if p.is_dir() and (p / contract.MANIFEST).is_file()]
    return sorted(folders, key=sort_key)
