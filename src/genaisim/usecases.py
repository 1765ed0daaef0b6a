"""The catalogue of GenAI use cases an organisation can pick from.

Each use case is one workflow in one business unit. The figures are order-of-
magnitude values for a mid-sized regulated enterprise (see docs/ODD.md, "Input
data"); what matters for the model's conclusions is their spread — high-volume,
data-hungry workflows next to low-volume, data-light ones — not their precision.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UseCase:
    """One workflow GenAI can be embedded in, with the manual baseline it competes against."""

    name: str
    business_unit: str
    #: who would own it in the business (the article's "head of the specific business unit")
    owner_role: str
    #: tasks per month the workflow processes
    volume: float
    #: minutes a person needs per task today
    manual_minutes: float
    #: minutes per task with the AI doing the work (before any human review)
    ai_minutes: float
    #: minutes a person needs to review one escalated output
    review_minutes: float
    #: share of tasks done wrong today, without AI
    manual_error_rate: float
    #: cost of one error that reaches the business (currency units)
    error_cost: float
    #: how much output quality depends on production data (0: not at all, 1: entirely)
    data_dependence: float


CATALOGUE: tuple[UseCase, ...] = (
    UseCase("kyc_document_processing", "operations", "operations director",
            9000, 30, 4, 12, 0.04, 400, 0.8),
    UseCase("transaction_compliance_monitoring", "compliance", "compliance manager",
            36000, 8, 1, 4, 0.05, 150, 0.9),
    UseCase("tier_one_customer_service", "customer service", "head of customer service",
            60000, 6, 0.5, 3, 0.05, 20, 0.6),
    UseCase("contract_summarisation", "legal", "general counsel",
            1200, 90, 8, 30, 0.03, 1500, 0.5),
    UseCase("code_assistant", "engineering", "head of engineering",
            7500, 40, 25, 8, 0.06, 60, 0.3),
    UseCase("policy_qa", "human resources", "head of HR",
            18000, 10, 1, 4, 0.05, 30, 0.7),
    UseCase("marketing_content", "marketing", "marketing director",
            1800, 60, 15, 20, 0.03, 100, 0.3),
    UseCase("invoice_processing", "finance", "finance director",
            24000, 7, 1, 3, 0.03, 80, 0.85),
)  # fmt: skip

BY_NAME: dict[str, UseCase] = {u.name: u for u in CATALOGUE}
