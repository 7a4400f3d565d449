{#
    Canonical spellings of the ERP's categorical values, keyed by cs_enum_key.
    One place for every staging model, so the accepted_values tests read the same lists.
#}
{% macro cs_enum_values(name) -%}
    {%- set values = {
        'segment': {
            'varejo': 'Varejo', 'industria': 'Indústria', 'servicos': 'Serviços',
            'agronegocio': 'Agronegócio', 'saude': 'Saúde', 'educacao': 'Educação',
            'logistica': 'Logística', 'construcao': 'Construção',
        },
        'company_size': {
            'pequena': 'Pequena', 'media': 'Média', 'grande': 'Grande', 'enterprise': 'Enterprise',
        },
        'account_status': {'ativo': 'Ativo', 'cancelado': 'Cancelado', 'suspenso': 'Suspenso'},
        'plan': {'essencial': 'Essencial', 'profissional': 'Profissional', 'corporativo': 'Corporativo'},
        'billing_cycle': {'mensal': 'Mensal', 'trimestral': 'Trimestral', 'anual': 'Anual'},
        'contract_movement': {
            'novo': 'Novo', 'renovacao': 'Renovação', 'upgrade': 'Upgrade',
            'downgrade': 'Downgrade', 'reativacao': 'Reativação',
        },
        'contract_status': {'ativo': 'Ativo', 'encerrado': 'Encerrado', 'cancelado': 'Cancelado'},
        'invoice_status': {
            'paga': 'Paga', 'em aberto': 'Em aberto', 'atrasada': 'Atrasada',
            'falhou': 'Falhou', 'cancelada': 'Cancelada',
        },
        'user_status': {'ativo': 'Ativo', 'inativo': 'Inativo'},
        'ticket_priority': {
            'p1': 'P1', 'p2': 'P2', 'p3': 'P3', 'p4': 'P4',
            'critica': 'P1', 'alta': 'P2', 'media': 'P3', 'baixa': 'P4',
            'p1 (critica)': 'P1', 'p2 (alta)': 'P2', 'p3 (media)': 'P3', 'p4 (baixa)': 'P4',
            'p1 - critica': 'P1', 'p2 - alta': 'P2', 'p3 - media': 'P3', 'p4 - baixa': 'P4',
        },
        'ticket_category': {
            'duvida': 'Dúvida', 'bug': 'Bug', 'integracao': 'Integração', 'fiscal': 'Fiscal',
            'performance': 'Performance', 'financeiro': 'Financeiro', 'acesso': 'Acesso',
        },
        'ticket_status': {
            'aberto': 'Aberto', 'em andamento': 'Em andamento', 'resolvido': 'Resolvido', 'fechado': 'Fechado',
        },
        'module': {
            'financeiro': 'Financeiro', 'fiscal': 'Fiscal', 'estoque': 'Estoque', 'vendas': 'Vendas',
            'compras': 'Compras', 'rh': 'RH', 'bi': 'BI',
        },
    } -%}
    {{ return(values[name]) }}
{%- endmacro %}
