"""Quality-management programmes as firms live them: learning over quarters, a certificate
kept by the firm's own decision to pay its audits, and gains that wear off when it lapses.

A firm enrolled in a consulting and certification programme (by the certification policy,
which writes only the programme columns ``qm_left`` and the per-quarter learning rates
``qm_rate_m``, ``qm_rate_d``, ``qm_rate_q``) closes those shares of its gaps to best management,
perfect delivery discipline and top product quality each quarter while the programme lasts;
at its end it holds a certificate for :data:`CERTIFICATE_QUARTERS`. At each renewal the firm
decides whether to pay the recertification audit (a share of what the programme cost it);
a firm that does not, or cannot, loses its certificate, and the management and delivery
gains the programme brought fade by :data:`LAPSE_LOSS` a quarter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.phases.finance import settle

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Quarters an ISO 9001 certificate is valid before its recertification audit: three years
#: (by definition of the standard's certification cycle).
CERTIFICATE_QUARTERS = 12
#: Cost of a recertification audit as a share of what the first certification cost (assumed,
#: range 0.2-0.5: surveillance and recertification audits cost less than the consulting and
#: first audit).
AUDIT_SHARE = 0.3
#: Share of the management and delivery gains a programme brought that fades each quarter
#: after the certificate lapses (assumed, range 0.05-0.2: practices not audited drift back).
LAPSE_LOSS = 0.1


def learning_phase(model: ClusterModel) -> None:
    """Enrolled firms learn; certificates come due for renewal; lapsed gains fade."""
    f = model.firms
    if not f["cert_until"].any() and not f["qm_left"].any():
        return  # no programme has ever run
    learning = f["qm_left"] > 0
    if learning.any():
        rows = np.flatnonzero(learning)
        for column, rate, gained in (("mgmt", "qm_rate_m", "qm_gain_m"),
                                     ("delivery", "qm_rate_d", "qm_gain_d"),
                                     ("quality", "qm_rate_q", None)):
            step = f[rate][rows] * (1.0 - f[column][rows])
            f[column][rows] += step
            if gained:
                f[gained][rows] += step
        f["qm_left"][rows] -= 1
        done = rows[f["qm_left"][rows] == 0]
        f["cert_until"][done] = model.quarter + CERTIFICATE_QUARTERS
    due = (f["cert_until"] == model.quarter) & (f["qm_left"] == 0)
    if due.any():  # renew if the firm earns and can pay the audit: its own choice
        rows = np.flatnonzero(due)
        audit = AUDIT_SHARE * f["qm_cost"][rows]
        renew = (f["profit"][rows] > 0) & (f["cash"][rows] >= audit)
        f["cert_until"][rows[renew]] += CERTIFICATE_QUARTERS
        f["audit_cost"][rows[renew]] += audit[renew]  # paid to certification bodies
        settle(model, -audit[renew], rows=rows[renew])
    lapsed = (f["cert_until"] < model.quarter) & (f["cert_until"] > 0) & (f["qm_left"] == 0)
    if lapsed.any():
        rows = np.flatnonzero(lapsed)
        for column, gained in (("mgmt", "qm_gain_m"), ("delivery", "qm_gain_d")):
            loss = LAPSE_LOSS * f[gained][rows]
            f[column][rows] = np.maximum(f[column][rows] - loss, 0.0)
            f[gained][rows] -= loss
