from typing import Any

from django.core.management.base import BaseCommand, CommandError

from household_requests.audit import stock_findings
from household_requests.models import Allocation, RequestLine
from inventory.models import StockLot, StockMovement


class Command(BaseCommand):
    help = (
        "Prove that the stock books agree: each lot with its ledger and its live allocations, "
        "each request line with its allocations, and no finished request holding stock. "
        "Exits 1 if anything disagrees."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        findings = stock_findings()
        for finding in findings:
            self.stderr.write(finding.text)
        if findings:
            raise CommandError(f"{len(findings)} problem(s) in the stock books", returncode=1)
        self.stdout.write(
            f"ledger OK: {StockLot.objects.count()} lots agree with "
            f"{StockMovement.objects.count()} movements; {RequestLine.objects.count()} request "
            f"lines agree with {Allocation.objects.count()} allocations"
        )
