"""Verify an exported trail (the CSV of `export_csv`) with no database: recompute each case's
chain from the file alone, as an auditor can on their own machine.

What a file proves on its own: no event in it was edited, reordered or removed from the middle
of its case's chain. A file that stops early (its last events cut) still chains; compare its
last hash per case with a sealed checkpoint (`buengobierno audit verify`) to rule that out.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from engine.audit.quality import BOM, CSV_COLUMNS, csv_text
from engine.audit.trail import GENESIS, BrokenLink, event_hash, hashed_content
from engine.errors import ValidationError


@dataclass(frozen=True)
class ExportReport:
    events: int
    cases: int
    broken: list[BrokenLink]
    heads: dict[str, tuple[int, str]]  # business key -> (last seq, last hash) in the file

    @property
    def ok(self) -> bool:
        return not self.broken


def verify_export(text: str) -> ExportReport:
    """The first broken link of each case in the exported trail `text`.

    A file that is not a trail export is a `ValidationError` naming what is missing."""
    reader = csv.reader(io.StringIO(text.removeprefix(BOM)))
    header = next(reader, None)
    if header is None or tuple(header) != CSV_COLUMNS:
        raise ValidationError(
            {
                "archivo": "no es una exportación de la traza (encabezados: "
                + ", ".join(CSV_COLUMNS)
                + ")"
            }
        )
    chains: dict[str, tuple[int, str]] = {}
    broken: dict[str, BrokenLink] = {}
    events = 0
    for line, raw in enumerate(reader, start=2):
        if not raw:
            continue
        events += 1
        row = dict(zip(CSV_COLUMNS, (csv_text(cell) for cell in raw), strict=False))
        key = row["Caso"]
        if key in broken:
            continue
        try:
            seq = int(row["Secuencia"])
            content = hashed_content(
                int(row["Id del caso"]),
                seq,
                row["Instante (UTC)"],
                row["Actor"],
                row["Acción"],
                row["Elemento"] or None,
                int(row["Versión"]),
                json.loads(row["Datos (JSON)"]),
            )
        except (KeyError, ValueError, TypeError):
            broken[key] = BrokenLink(key, 0, None, f"la fila {line} está incompleta o mal formada")
            continue
        last_seq, last_hash = chains.get(key, (0, GENESIS))
        reason = None
        if seq != last_seq + 1:
            reason = f"falta el evento #{last_seq + 1} (cadena interrumpida)"
        elif row["Hash anterior"] != last_hash:
            reason = "no enlaza con el evento anterior"
        elif row["Hash"] != event_hash(last_hash, content):
            reason = "su contenido fue modificado (hash no coincide)"
        if reason:
            broken[key] = BrokenLink(key, seq, None, reason)
        else:
            chains[key] = (seq, row["Hash"])
    return ExportReport(events, len(chains.keys() | broken.keys()), list(broken.values()), chains)
