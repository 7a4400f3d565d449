"""The behaviour model's parameters: acquisition, latent health, churn hazards, suspension,
users, pre-history. One place for the numbers `simulation` (the monthly step) and `forecast`
(the true churn probability) both use; generator/README.md explains the model.
"""

from __future__ import annotations

import numpy as np

ACQUISITION_RATE = 0.013  # new logos per month, as a share of the initial base
ACQUISITION_SEASON = np.array([0.7, 0.9, 1.15, 1.1, 1.05, 1.0, 0.95, 1.05, 1.1, 1.1, 1.0, 0.6])
EVENTS_PER_ACTIVE_USER = 2.5  # usage sessions per active user per month at full health
HEALTH_REVERSION = 0.18
HEALTH_NOISE = 0.28
DECLINE_START_P = 0.03
BOOST_START_P = 0.015
DECLINE_DRIFT = (0.3, 0.75)  # a decline pulls z down by U(0.3, 0.75) a month ...
DECLINE_MONTHS = (2, 6)  # ... for 2..6 months (uniform, inclusive)
BOOST_DRIFT = (0.2, 0.45)  # a recovery pushes z up by U(0.2, 0.45) a month ...
BOOST_MONTHS = 2  # ... for 2 months
ONBOARDING_MONTHS = 3  # new customers are weaker in their first 3 months ...
ONBOARDING_OFFSET = 0.5  # ... by up to 0.5 on the logit scale, fading linearly
DAYS_PER_MONTH = 30.44
CHURN_FLOOR = 0.0008  # monthly, whatever the health (companies closing, M&A)
# hazard = floor + scale * sigmoid(slope * (center - h)): churn concentrates below h ~ center
CHURN_SLOPE = 14.0
CHURN_CENTER = 0.38
CHURN_MID_SCALE = 0.10  # mid-term cancellation (any month)
CHURN_RENEWAL_BASE = 0.01
CHURN_RENEWAL_SCALE = 0.6  # non-renewal in the anniversary month
# non-renewals cluster around the budget cycle at year end
RENEWAL_SEASON = np.array([1.15, 1.0, 1.0, 1.0, 1.0, 0.95, 0.9, 0.95, 1.0, 1.0, 1.05, 1.3])
REACTIVATION_P = 0.012  # monthly, for churned customers within 24 months
# suspension: an invoice unpaid this many days after its due date blocks the account
# (clientes.status Suspenso, no usage) until it is paid; a suspended account churns more
SUSPEND_AFTER_DAYS = 30
SUSPENDED_CHURN = 0.12  # extra monthly hazard while suspended at the start of a month
# users: idle users are deactivated (usuarios.status Inativo), more so in unhealthy accounts;
# on cancellation every remaining user is deactivated the day after the churn date
USER_DEACTIVATION_P = 0.012
USER_DEACTIVATION_UNHEALTHY = 0.10
# pre-history: the ERP's first extract also holds the customers cancelled in the
# PREHISTORY_DAYS before the first batch (their last contract term, Cancelado)
PREHISTORY_DAYS = 730
PREHISTORY_CHURN = 0.012  # cancelled logos per month of pre-history, as a share of today's base
NPS_CAMPAIGN_MONTHS = (3, 6, 9, 12)
