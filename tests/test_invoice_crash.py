"""Invoice numbers under SIGKILL and under two processes at once: no gap, no number twice, one
invoice per sale, nothing reported that was lost, and a journal that verifies."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from appliance import config as config_module
from appliance.cli.main import main
from appliance.till import Till

from .conftest import env_without_config
from .test_crash import run_and_kill

KILLS = 12
DOCUMENT = re.compile(r"^(invoice|credit_note) ((?:INV|CN)-1-\d{6}) (\d+)$")


def assert_series_intact(db: Path, config_file: Path) -> dict[str, set[str]]:
    """Verify passes (its invoice checks included), each series is 1..n, one invoice per sale."""
    till = Till.open(config_module.load(config_file), db, write=False)
    try:
        verdict = till.verify()
        assert verdict.ok, [str(f) for f in verdict.findings]
        c = till.connection
        stored: dict[str, set[str]] = {}
        for kind in ("invoice", "credit_note"):
            numbers = [row[0] for row in c.execute("SELECT number FROM invoice WHERE kind = ? ORDER BY id", (kind,))]
            assert numbers == list(range(1, len(numbers) + 1)), kind  # gap-less, in the journal's order
            stored[kind] = {row[0] for row in c.execute("SELECT label FROM invoice WHERE kind = ?", (kind,))}
        doubles = c.execute(
            "SELECT sale_uuid FROM invoice WHERE kind = 'invoice' GROUP BY sale_uuid HAVING count(*) > 1"
        ).fetchall()
        assert doubles == []
        return stored
    finally:
        till.close()


@pytest.mark.slow
def test_sigkill_while_invoicing_leaves_the_series_gap_less(config_file: Path, tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("CRASH_SEED", "20261206")))
    env = env_without_config(tmp_path)
    db = tmp_path / "training.db"
    command = [sys.executable, "-m", "appliance.cli", "simulate", "--config", str(config_file), "--db", str(db),
               "--sales", "100000", "--seed", "5", "--start", "2026-03-02T06:00", "--pace", "20",
               "--shift-size", "40", "--invoices", "0.5"]  # fmt: skip
    printed: dict[str, set[str]] = {"invoice": set(), "credit_note": set()}
    for kill in range(KILLS):
        invoicing = kill % 4 != 0  # one kill in four during start-up, the others once it has invoiced
        delay = rng.uniform(0.0, 1.5) if invoicing else rng.uniform(0.1, 0.6)
        for reported in run_and_kill(command, delay, env, reports=DOCUMENT, trading=invoicing):
            printed[reported[1]].add(reported[2])
        if db.exists():
            stored = assert_series_intact(db, config_file)
            for kind in printed:
                assert printed[kind] <= stored[kind], f"reported but lost: {sorted(printed[kind] - stored[kind])[:5]}"
    assert len(printed["invoice"]) > 5, printed  # the kills landed while invoicing


INVOICING = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from appliance import config
    from appliance.core.customer import customer
    from appliance.till import Till

    conf = config.load(Path(sys.argv[1]))
    till = Till.open(conf, Path(sys.argv[2]))
    buyer = customer("Épicerie Le Panier Vert", ["3 place du Marché", "79000 Niort"], vat_number="FR40303265045")
    for number in map(int, sys.argv[3].split(",")):
        invoice = till.invoice(number, buyer, sys.argv[4])
        print(number, invoice.label, invoice.duplicate, flush=True)
    till.close()
    """
)


def test_two_processes_invoicing_the_same_sales_never_share_or_skip_a_number(config_file: Path, tmp_path: Path) -> None:
    db, sales = tmp_path / "training.db", 40
    assert main(["simulate", "--config", str(config_file), "--db", str(db), "--sales", str(sales), "--seed", "9",
                 "--start", "2026-03-02T08:00"]) == 0  # fmt: skip
    till = Till.open(config_module.load(config_file), db, write=False)
    numbers = [row[0] for row in till.connection.execute("SELECT number FROM sale WHERE kind = 'sale' ORDER BY number")]
    till.close()
    script = tmp_path / "invoicing.py"
    script.write_text(INVOICING, encoding="utf-8")
    env = env_without_config(tmp_path)
    processes = [  # one goes up the sales, the other down: they meet half-way, each asking for every sale
        subprocess.Popen(
            [sys.executable, str(script), str(config_file), str(db), ",".join(map(str, order)), cashier],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        for cashier, order in (("Alice", numbers), ("Bruno", numbers[::-1]))
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    lines: list[tuple[int, str, int]] = []
    for (out, err), process in zip(outputs, processes):
        assert process.returncode == 0, err
        lines += [(int(n), label, int(dup)) for n, label, dup in (line.split() for line in out.splitlines())]
    by_sale: dict[int, set[str]] = {}
    for number, label, _ in lines:
        by_sale.setdefault(number, set()).add(label)
    assert len(lines) == 2 * len(numbers) and set(by_sale) == set(numbers)
    assert all(len(labels) == 1 for labels in by_sale.values()), "two invoice numbers for one sale"
    originals = [number for number, _, duplicate in lines if duplicate == 0]
    assert len(originals) == len(set(originals)) == len(by_sale)  # each sale invoiced once, the other got a copy
    stored = assert_series_intact(db, config_file)
    assert stored["invoice"] == {label for labels in by_sale.values() for label in labels}
