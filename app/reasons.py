"""Readable labels (pt-BR / English) for the quarantine reason codes of the dbt project.

Codes are either fixed (`orphan_customer`) or a problem and a column
(`missing_customer_id`, `invalid_end_date`, `implausible_signup_date`, see
cs_ops_dbt/macros/cleaning/_cleaning__macros.yml); an unknown code is shown as it is.
"""

from __future__ import annotations

FIXED = {
    "orphan_customer": (
        "Cliente inexistente (id nunca recebido no cadastro)",
        "Unknown customer (id never sent in the customer records)",
    ),
    "customer_quarantined": (
        "Cliente em quarentena (cadastro recebido, mas sem versão válida)",
        "Customer in quarantine (record sent, but no valid version)",
    ),
    "orphan_user": ("Usuário inexistente", "Unknown user"),
    "orphan_contract": ("Contrato inexistente", "Unknown contract"),
    "future_timestamp": ("Data posterior ao período do lote", "Date after the batch period"),
    "negative_value": ("Valor negativo", "Negative value"),
    "absurd_value": ("Valor absurdo (acima do limite)", "Absurd value (above the limit)"),
    "missing_money": ("Valor monetário ausente", "Money amount missing"),
    "invalid_money": ("Valor monetário ilegível", "Unreadable money amount"),
    "ambiguous_money": (
        "Valor monetário ambíguo (ex.: 2,500 = 2,5 ou 2.500)",
        "Ambiguous money amount (e.g. 2,500 = 2.5 or 2500)",
    ),
    "missing_score": ("Nota NPS ausente", "NPS score missing"),
    "score_out_of_range": ("Nota NPS fora de 0 a 10", "NPS score outside 0 to 10"),
    "missing_duration": ("Duração ausente", "Duration missing"),
    "end_before_start": ("Fim do contrato antes do início", "Contract ends before it starts"),
    "owner_changed": ("Registro mudou de cliente", "Record moved to another customer"),
}

PROBLEMS = {
    "missing": ("{} ausente", "{} missing"),
    "invalid": ("{} ilegível", "Unreadable {}"),
    "implausible": ("{} fora da janela plausível", "{} outside the plausible window"),
}

COLUMNS = {
    "customer_id": ("Id do cliente", "customer id"),
    "contract_id": ("Id do contrato", "contract id"),
    "invoice_id": ("Id da fatura", "invoice id"),
    "user_id": ("Id do usuário", "user id"),
    "event_id": ("Id do evento", "event id"),
    "ticket_id": ("Id do ticket", "ticket id"),
    "response_id": ("Id da resposta", "response id"),
    "signup_date": ("Data de cadastro", "signup date"),
    "start_date": ("Início do contrato", "contract start"),
    "end_date": ("Fim do contrato", "contract end"),
    "cancelled_date": ("Data de cancelamento", "cancellation date"),
    "billing_month": ("Competência", "billing month"),
    "issued_date": ("Data de emissão", "issue date"),
    "due_date": ("Vencimento", "due date"),
    "paid_date": ("Data de pagamento", "payment date"),
    "opened_at": ("Abertura do ticket", "ticket opening"),
    "first_response_at": ("Primeira resposta", "first response"),
    "resolved_at": ("Resolução", "resolution"),
    "answered_date": ("Data da resposta", "answer date"),
    "occurred_at": ("Momento do evento", "event time"),
    "updated_at": ("Data de atualização (updated_at)", "update time (updated_at)"),
    "billing_cycle": ("Ciclo de cobrança", "billing cycle"),
    "invoice_status": ("Status da fatura", "invoice status"),
    "priority": ("Prioridade", "priority"),
}


def reason_label(code: str, lang: str = "pt") -> str:
    """The readable text of a reason code in pt-BR ('pt') or English; the code itself if unknown."""
    index = 0 if lang == "pt" else 1
    if code in FIXED:
        return FIXED[code][index]
    problem, _, column = code.partition("_")
    if problem in PROBLEMS and column in COLUMNS:
        name = COLUMNS[column][index]
        text = PROBLEMS[problem][index].format(name)
        return text[0].upper() + text[1:]
    return code
