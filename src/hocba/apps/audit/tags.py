"""Audit event tags, ``<resource>:<what>:<action>`` (documented in docs/audit-events.md)."""

from __future__ import annotations

from enum import StrEnum


class EventTag(StrEnum):
    ACCOUNT_GRANT_ADDED = "account:grant:added"
    ACCOUNT_GRANT_REVOKED = "account:grant:revoked"
    ACCOUNT_LOGIN_FAILED = "account:login:failed"
    ACCOUNT_LOGIN_SUCCEEDED = "account:login:succeeded"
    ACCOUNT_USER_CREATED = "account:user:created"
    API_TOKEN_CREATED = "api:token:created"
    API_TOKEN_REVOKED = "api:token:revoked"
    CLASS_COMMENDATION_DECIDED = "class:commendation:decided"
    CLASS_COMMENDATION_PROPOSED = "class:commendation:proposed"
    CLASS_COMMENDATION_WITHDRAWN = "class:commendation:withdrawn"
    CLASS_EVALUATIONS_FINALISED = "class:evaluations:finalised"
    CLASS_EVALUATIONS_UNLOCKED = "class:evaluations:unlocked"
    DIRECTORY_CLASS_CREATED = "directory:class:created"
    DIRECTORY_ENROLMENT_CREATED = "directory:enrolment:created"
    DIRECTORY_YEAR_OPENED = "directory:year:opened"
    EVALUATION_PROMOTION_DECIDED = "evaluation:promotion:decided"
    EVALUATION_RATING_CHANGED = "evaluation:rating:changed"
    EVALUATION_SUBJECT_CHANGED = "evaluation:subject:changed"
    EVALUATION_SUMMARY_CHANGED = "evaluation:summary:changed"
    EVALUATION_SUPPLEMENTARY_CHANGED = "evaluation:supplementary:changed"
    IMPORT_EVALUATIONS_APPLIED = "import:evaluations:applied"
    IMPORT_ROSTER_APPLIED = "import:roster:applied"
    RECORD_ISSUED = "record:version:issued"
    RECORD_SIGNATURE_ADDED = "record:signature:added"
    RECORD_VIEWED = "record:version:viewed"
    SIGNING_BATCH_FINISHED = "signing:batch:finished"
    SIGNING_BATCH_STARTED = "signing:batch:started"
    TRANSFER_PACKAGE_EXPORTED = "transfer:package:exported"
    TRANSFER_PACKAGE_IMPORTED = "transfer:package:imported"
    SIGNING_KEY_CHANGED = "signing:key:changed"
