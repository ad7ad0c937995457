"""The export shapes simsales knows: column names, stage labels, no-decision reasons.

Sources: the labels of a Salesforce opportunity report exported as CSV and the
opportunity stages Salesforce ships; the labels of a HubSpot deals export and the
stages of HubSpot's default pipeline. Every value can be overridden in ``[data]``
(docs/calibration.md).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ANY_OUTCOMES", "NO_DECISION", "PRESETS"]

#: Loss reasons that mean the buyer decided nothing (the status quo or indecision won),
#: matched case-insensitively. Neither Salesforce nor HubSpot ships a standard list
#: (Salesforce has no loss-reason field out of the box; HubSpot's "Closed Lost Reason"
#: is free text), so these are the labels teams commonly use. "Went dark",
#: "Unresponsive" and "No response" are left out: the simulator counts a buyer
#: who stops answering as a loss of its own, not a no-decision.
NO_DECISION = [
    "No Decision",
    "No Decision Made",
    "Status Quo",
    "Stayed with Status Quo",
    "Do Nothing",
    "Chose to Do Nothing",
    "Indecision",
]

_SALESFORCE_OPEN = [
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
]
_HUBSPOT_OPEN = [
    "Appointment Scheduled",
    "Qualified To Buy",
    "Presentation Scheduled",
    "Decision Maker Bought-In",
    "Contract Sent",
]

#: Column names, outcome labels and no-decision reasons of each preset. Salesforce:
#: the labels of an opportunity report exported as CSV ("Details Only") and the
#: stages Salesforce ships; "Loss Reason" is a custom field many organisations add.
#: HubSpot: the labels of a deals export and the stages of its default pipeline.
PRESETS: dict[str, dict[str, Any]] = {
    "salesforce": {
        "columns": {
            "id": "Opportunity ID",
            "opened": "Created Date",
            "closed": "Close Date",
            "outcome": "Stage",
            "value": "Amount",
            "loss_reason": "Loss Reason",
        },
        "outcomes": {"won": ["Closed Won"], "lost": ["Closed Lost"], "open": _SALESFORCE_OPEN},
    },
    "hubspot": {
        "columns": {
            "id": "Record ID",
            "opened": "Create Date",
            "closed": "Close Date",
            "outcome": "Deal Stage",
            "value": "Amount",
            "loss_reason": "Closed Lost Reason",
        },
        "outcomes": {"won": ["Closed Won"], "lost": ["Closed Lost"], "open": _HUBSPOT_OPEN},
    },
    "plain": {
        "columns": {
            "id": "id",
            "opened": "created",
            "closed": "closed",
            "outcome": "stage",
            "value": "amount",
            "loss_reason": "loss_reason",
        },
        "outcomes": {
            "won": ["won", "closed won"],
            "lost": ["lost", "closed lost"],
            "open": ["open"],
        },
    },
}
#: Outcome labels without a preset (every column given): those of all the presets.
ANY_OUTCOMES = {
    k: list(dict.fromkeys(lab for p in PRESETS.values() for lab in p["outcomes"][k]))
    for k in ("won", "lost", "open")
}
