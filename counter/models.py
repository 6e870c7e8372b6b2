"""Imports every model so that SQLAlchemy's metadata (and Alembic) knows the whole schema."""
from counter.core.serials import SerialCounter  # noqa: F401
from counter.streets.models import Street  # noqa: F401
from counter.auth.models import User  # noqa: F401
from counter.audit.models import AuditEntry  # noqa: F401
from counter.leases.models import Lease, LeaseEvent, LeaseParty, Party, Property  # noqa: F401
from counter.tax.models import AssessmentRecord, GuidanceRent, RateScheduleVersion  # noqa: F401
from counter.collection.models import DayClose, JournalEntry, Receipt  # noqa: F401
from counter.ledger.models import BankLine, BankStatement, ReconciliationResolution, Remittance  # noqa: F401
from counter.documents.models import PrintedDocument, VerificationCount  # noqa: F401
from counter.core.ratelimit import RateCounter  # noqa: F401
from counter.api.models import ApiClient, ApiIdempotency, ApiKey  # noqa: F401
from counter.prefiling.models import (Appointment, AppointmentSlot, ClosedDay, OutboxMessage, Prefiling,  # noqa: F401
                                     Ticket, WindowSchedule)
from counter.registry.models import RegistryImport, RegistryUnit  # noqa: F401
