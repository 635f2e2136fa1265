"""What retention tells the apps above it (they import retention, never the other way round).

- `personal_data_erased(attempt_ids)`: these attempts' personal data was erased (a retention
  policy or a candidate's erasure request), inside the erasing transaction: a listener removes
  what it keeps about those people, and its error undoes the erasure of that batch.
"""

from django.dispatch import Signal

personal_data_erased = Signal()
