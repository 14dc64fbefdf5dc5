from typing import Any

from django.core.management.base import BaseCommand, CommandError

from inventory.models import StockLot, StockMovement
from inventory.selectors import ledger_mismatches


class Command(BaseCommand):
    help = "Prove that the stock ledger and the lots agree. Exits 1 if any lot disagrees."

    def handle(self, *args: Any, **options: Any) -> None:
        mismatches = ledger_mismatches()
        for m in mismatches:
            self.stderr.write(
                f"lot {m.lot_id}: on hand {m.on_hand} but ledger says {m.ledger_on_hand}; "
                f"reserved {m.reserved} but ledger says {m.ledger_reserved}"
            )
        if mismatches:
            raise CommandError(f"{len(mismatches)} lot(s) disagree with the ledger", returncode=1)
        self.stdout.write(
            f"ledger OK: {StockLot.objects.count()} lots agree with "
            f"{StockMovement.objects.count()} movements"
        )
