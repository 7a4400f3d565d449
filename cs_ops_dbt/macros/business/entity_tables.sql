{#
    The raw tables besides the usage events: small, read in full by every build. For
    each: its key and the mart of its clean rows. By convention its staging model is
    stg_erp__<table> and the model that classifies every raw row int_<table>__classified.
    fct_quarentena and fct_qualidade_dados read every table listed here.
#}
{% macro entity_tables() -%}
    {{ return([
        {'table': 'clientes', 'key': 'customer_id', 'clean_model': 'dim_clientes'},
        {'table': 'contratos', 'key': 'contract_id', 'clean_model': 'fct_contratos'},
        {'table': 'faturas', 'key': 'invoice_id', 'clean_model': 'fct_faturas'},
        {'table': 'usuarios', 'key': 'user_id', 'clean_model': 'dim_usuarios'},
        {'table': 'tickets', 'key': 'ticket_id', 'clean_model': 'fct_tickets'},
        {'table': 'nps_respostas', 'key': 'response_id', 'clean_model': 'fct_nps_respostas'},
    ]) }}
{%- endmacro %}
