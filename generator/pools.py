"""Vocabularies of the simulated Brazilian ERP customer base.

Fixed business vocabularies (segments, plans, modules, states and their cities) are
written out here; people and company names come from Faker('pt_BR'), called a few
hundred times to build pools. Rows then pick from the pools by index (numpy), never
by calling Faker per row. Faker is seeded, so the pools are identical on every run.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
from faker import Faker

# --- segments, sizes, plans -------------------------------------------------------------------

SEGMENTOS = ["Varejo", "Indústria", "Serviços", "Agronegócio", "Saúde", "Educação", "Logística", "Construção"]
SEGMENTO_P = np.array([0.22, 0.18, 0.20, 0.09, 0.09, 0.07, 0.08, 0.07])
# baseline health offset per segment (logit scale): retail and construction churn more
SEGMENTO_HEALTH = np.array([-0.35, 0.15, 0.0, 0.05, 0.35, 0.25, -0.1, -0.3])

PORTES = ["Pequena", "Média", "Grande", "Enterprise"]
PORTE_P = np.array([0.46, 0.31, 0.17, 0.06])
PORTE_HEALTH = np.array([-0.35, 0.0, 0.3, 0.55])
# median licensed seats per size (lognormal)
PORTE_SEATS = np.array([5.0, 14.0, 40.0, 130.0])

PLANOS = ["Essencial", "Profissional", "Corporativo"]
# plan mix conditional on size (rows: porte)
PLANO_P_BY_PORTE = np.array(
    [
        [0.68, 0.28, 0.04],
        [0.38, 0.50, 0.12],
        [0.12, 0.50, 0.38],
        [0.02, 0.28, 0.70],
    ]
)
PLANO_HEALTH = np.array([-0.15, 0.05, 0.2])
# list price per seat per month (BRL) and base platform fee
PLANO_PRECO_LICENCA = np.array([79.0, 139.0, 219.0])
PLANO_TAXA_BASE = np.array([149.0, 390.0, 1200.0])
# how many modules each plan licenses (min, max)
PLANO_MODULOS = np.array([[2, 3], [4, 5], [6, 7]])

MODULOS = ["Financeiro", "Fiscal", "Estoque", "Vendas", "Compras", "RH", "BI"]
FUNCIONALIDADES = {
    "Financeiro": ["conciliacao_bancaria", "contas_pagar", "contas_receber", "fluxo_caixa", "emitir_boleto"],
    "Fiscal": ["emitir_nfe", "emitir_nfse", "apuracao_icms", "sped_fiscal", "consulta_sefaz"],
    "Estoque": ["inventario", "movimentacao_estoque", "curva_abc", "transferencia_filial"],
    "Vendas": ["pedido_venda", "orcamento", "tabela_precos", "comissoes", "pdv"],
    "Compras": ["pedido_compra", "cotacao", "aprovacao_compra", "recebimento_nota"],
    "RH": ["folha_pagamento", "ponto_eletronico", "ferias", "esocial"],
    "BI": ["dashboard_vendas", "relatorio_gerencial", "exportar_planilha"],
}
FEATURE_NAMES = [f for m in MODULOS for f in FUNCIONALIDADES[m]]
FEATURE_OFFSET = np.cumsum([0] + [len(FUNCIONALIDADES[m]) for m in MODULOS])[:-1].astype(np.int64)
FEATURE_COUNT = np.array([len(FUNCIONALIDADES[m]) for m in MODULOS], dtype=np.int64)

CICLOS = ["Mensal", "Trimestral", "Anual"]
CICLO_MESES = np.array([1, 3, 12])
CICLO_P_BY_PORTE = np.array(
    [
        [0.78, 0.12, 0.10],
        [0.62, 0.18, 0.20],
        [0.45, 0.20, 0.35],
        [0.25, 0.15, 0.60],
    ]
)

TIPOS_MOVIMENTO = ["Novo", "Renovação", "Upgrade", "Downgrade", "Reativação"]
STATUS_CONTRATO = ["Ativo", "Encerrado", "Cancelado"]
STATUS_CLIENTE = ["Ativo", "Cancelado", "Suspenso"]
STATUS_FATURA = ["Paga", "Em aberto", "Atrasada", "Falhou", "Cancelada"]
STATUS_USUARIO = ["Ativo", "Inativo"]
MOTIVOS = ["Preço", "Concorrente", "Baixo uso", "Suporte", "Encerramento da empresa", "Outro"]

PRIORIDADES = ["P1", "P2", "P3", "P4"]
CATEGORIAS = ["Dúvida", "Bug", "Integração", "Fiscal", "Performance", "Financeiro", "Acesso"]
CATEGORIA_P = np.array([0.30, 0.17, 0.12, 0.15, 0.08, 0.10, 0.08])
STATUS_TICKET = ["Aberto", "Em andamento", "Resolvido", "Fechado"]

CARGOS = [
    "Analista Financeiro",
    "Analista Fiscal",
    "Contador",
    "Gerente Administrativo",
    "Assistente Administrativo",
    "Comprador",
    "Vendedor",
    "Gerente Comercial",
    "Analista de RH",
    "Controller",
    "Diretor Financeiro",
    "Almoxarife",
    "Analista de Logística",
    "Coordenador de TI",
    "Auxiliar de Faturamento",
]

# Activity words that follow the family name in a razão social, by segment
ATIVIDADES = {
    "Varejo": [
        "Comércio de Alimentos",
        "Magazine",
        "Supermercados",
        "Calçados",
        "Materiais Elétricos",
        "Modas",
    ],
    "Indústria": ["Indústria Metalúrgica", "Plásticos", "Têxtil", "Alimentos", "Embalagens", "Autopeças"],
    "Serviços": ["Consultoria", "Serviços Empresariais", "Contabilidade", "Tecnologia", "Engenharia"],
    "Agronegócio": ["Agropecuária", "Grãos", "Cooperativa Agrícola", "Sementes", "Insumos Agrícolas"],
    "Saúde": ["Clínica Médica", "Laboratório", "Farmácias", "Hospital", "Odontologia"],
    "Educação": ["Colégio", "Cursos Técnicos", "Ensino Superior", "Escola de Idiomas"],
    "Logística": ["Transportes", "Logística", "Armazéns Gerais", "Cargas Expressas"],
    "Construção": ["Construtora", "Incorporadora", "Materiais de Construção", "Empreiteira"],
}
SUFIXOS_BY_PORTE = [["ME", "EPP", "Ltda"], ["Ltda", "EPP"], ["Ltda", "S.A."], ["S.A.", "S/A"]]

# UF weights roughly follow the number of companies per state; a few real cities each
UF_CIDADES = {
    "SP": (0.29, ["São Paulo", "Campinas", "Ribeirão Preto", "Sorocaba", "São José dos Campos", "Santos"]),
    "MG": (0.10, ["Belo Horizonte", "Uberlândia", "Contagem", "Juiz de Fora"]),
    "RJ": (0.09, ["Rio de Janeiro", "Niterói", "Duque de Caxias", "Nova Iguaçu"]),
    "PR": (0.07, ["Curitiba", "Londrina", "Maringá", "Cascavel"]),
    "RS": (0.07, ["Porto Alegre", "Caxias do Sul", "Pelotas", "Canoas"]),
    "SC": (0.06, ["Florianópolis", "Joinville", "Blumenau", "Chapecó"]),
    "BA": (0.05, ["Salvador", "Feira de Santana", "Vitória da Conquista"]),
    "GO": (0.04, ["Goiânia", "Anápolis", "Rio Verde"]),
    "PE": (0.035, ["Recife", "Jaboatão dos Guararapes", "Caruaru"]),
    "CE": (0.03, ["Fortaleza", "Juazeiro do Norte", "Sobral"]),
    "DF": (0.03, ["Brasília"]),
    "ES": (0.02, ["Vitória", "Vila Velha", "Serra"]),
    "MT": (0.02, ["Cuiabá", "Rondonópolis", "Sinop"]),
    "MS": (0.015, ["Campo Grande", "Dourados"]),
    "PA": (0.015, ["Belém", "Ananindeua", "Marabá"]),
    "AM": (0.012, ["Manaus"]),
    "MA": (0.01, ["São Luís", "Imperatriz"]),
    "PB": (0.008, ["João Pessoa", "Campina Grande"]),
    "RN": (0.008, ["Natal", "Mossoró"]),
    "AL": (0.006, ["Maceió"]),
    "PI": (0.006, ["Teresina"]),
    "SE": (0.005, ["Aracaju"]),
    "RO": (0.004, ["Porto Velho", "Ji-Paraná"]),
    "TO": (0.003, ["Palmas"]),
    "AC": (0.002, ["Rio Branco"]),
    "AP": (0.002, ["Macapá"]),
    "RR": (0.002, ["Boa Vista"]),
}

COMENTARIOS = {
    "detrator": [
        "Sistema muito lento no fechamento do mês",
        "Suporte demora demais para responder",
        "A emissão de NF-e falha com frequência",
        "Preço alto para o que entrega",
        "Estamos avaliando outro fornecedor",
        "Muitos bugs depois da última atualização",
        "Implantação mal feita, ninguém usa direito",
        "Integração com o banco parou de funcionar",
    ],
    "neutro": [
        "Atende o básico, mas poderia ser mais simples",
        "Bom sistema, suporte poderia ser mais rápido",
        "Falta relatório personalizado",
        "Funciona, mas a interface é confusa",
        "Razoável, esperamos melhorias no módulo fiscal",
    ],
    "promotor": [
        "Ótimo sistema, facilitou nossa gestão",
        "Suporte excelente e rápido",
        "O módulo fiscal nos poupa horas toda semana",
        "Recomendo, muito estável",
        "Equipe de CS muito atenciosa",
        "Relatórios ajudam muito a diretoria",
    ],
}


# the account's main contact address is usually a role mailbox
EMAIL_ROLES = ["contato", "financeiro", "fiscal", "ti", "compras", "diretoria", "adm", "comercial"]


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def slug(text: str) -> str:
    return "".join(c for c in strip_accents(text).lower() if c.isalnum())


@dataclass(frozen=True)
class Pools:
    """Name pools as Arrow string arrays (for `take`) plus a few numpy lookup tables."""

    first_names: pa.Array
    last_names: pa.Array
    first_slugs: pa.Array
    last_slugs: pa.Array
    csm_names: pa.Array
    atividades: pa.Array  # all activity words, concatenated over segments
    atividade_slugs: pa.Array
    atividade_offset: np.ndarray  # per segment
    atividade_count: np.ndarray
    sufixos: pa.Array
    sufixo_offset: np.ndarray  # per porte
    sufixo_count: np.ndarray
    ufs: pa.Array
    uf_p: np.ndarray
    cidades: pa.Array
    cidade_offset: np.ndarray  # per uf
    cidade_count: np.ndarray
    cargos: pa.Array
    features: pa.Array
    modulos: pa.Array
    company_name: pa.Array  # "<sobrenome> <atividade> <sufixo>" for every (sobrenome, atividade, sufixo)
    company_email: pa.Array  # "<role>@<domain>" for every (sobrenome, atividade) pair and role
    company_domain: pa.Array  # "<sobrenome><atividade>.com.br" for every pair
    comentarios: pa.Array
    comentario_offset: np.ndarray  # detrator, neutro, promotor
    comentario_count: np.ndarray


def _faker_unique(method, count: int, attempts: int) -> list[str]:
    seen: dict[str, None] = {}
    for _ in range(attempts):
        seen.setdefault(method(), None)
        if len(seen) >= count:
            break
    return sorted(seen)


def _grouped(groups: list[list[str]]) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    flat = [item for group in groups for item in group]
    counts = np.array([len(g) for g in groups], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    return pa.array(flat, pa.string()), offsets, counts


def choice_lut(p: np.ndarray, resolution: int = 4096) -> np.ndarray:
    """Lookup table for categorical sampling: lut[int(u * resolution)] ~ Categorical(p)."""
    cdf = np.cumsum(p) / np.sum(p)
    grid = (np.arange(resolution) + 0.5) / resolution
    return np.minimum(np.searchsorted(cdf, grid), len(p) - 1).astype(np.int64)


@lru_cache(maxsize=1)
def get_pools() -> Pools:
    # only the person provider is used: loading pt_BR's other providers cost ~50 ms a process
    # (the seeded draws are the same either way)
    fake = Faker("pt_BR", providers=["faker.providers.person"])
    fake.seed_instance(20240101)
    first = _faker_unique(fake.first_name, 400, 2500)
    last = _faker_unique(fake.last_name, 200, 1500)
    csm = sorted({f"{fake.first_name()} {fake.last_name()}" for _ in range(24)})
    atividades, at_off, at_cnt = _grouped([ATIVIDADES[s] for s in SEGMENTOS])
    sufixos, su_off, su_cnt = _grouped(SUFIXOS_BY_PORTE)
    ufs = list(UF_CIDADES)
    uf_p = np.array([UF_CIDADES[u][0] for u in ufs])
    cidades, ci_off, ci_cnt = _grouped([UF_CIDADES[u][1] for u in ufs])
    activity_list = atividades.to_pylist()
    suffix_list = sufixos.to_pylist()
    names = [f"{s} {a} {x}" for s in last for a in activity_list for x in suffix_list]
    surname_slugs = [slug(surname) for surname in last]
    activity_slugs = [slug(activity)[:12] for activity in activity_list]
    domain = [f"{s}{a}.com.br" for s in surname_slugs for a in activity_slugs]
    emails = [f"{role}@{d}" for d in domain for role in EMAIL_ROLES]
    comentarios, co_off, co_cnt = _grouped([COMENTARIOS[k] for k in ("detrator", "neutro", "promotor")])
    return Pools(
        first_names=pa.array(first, pa.string()),
        last_names=pa.array(last, pa.string()),
        first_slugs=pa.array([slug(n) for n in first], pa.string()),
        last_slugs=pa.array([slug(n) for n in last], pa.string()),
        csm_names=pa.array(csm, pa.string()),
        atividades=atividades,
        atividade_slugs=pa.array([slug(a)[:12] for a in atividades.to_pylist()], pa.string()),
        atividade_offset=at_off,
        atividade_count=at_cnt,
        sufixos=sufixos,
        sufixo_offset=su_off,
        sufixo_count=su_cnt,
        ufs=pa.array(ufs, pa.string()),
        uf_p=uf_p / uf_p.sum(),
        cidades=cidades,
        cidade_offset=ci_off,
        cidade_count=ci_cnt,
        cargos=pa.array(CARGOS, pa.string()),
        features=pa.array(FEATURE_NAMES, pa.string()),
        modulos=pa.array(MODULOS, pa.string()),
        company_name=pa.array(names, pa.string()),
        company_email=pa.array(emails, pa.string()),
        company_domain=pa.array(domain, pa.string()),
        comentarios=comentarios,
        comentario_offset=co_off,
        comentario_count=co_cnt,
    )
