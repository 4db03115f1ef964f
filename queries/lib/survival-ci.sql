-- Pointwise 95% confidence interval of a survival-type estimate (Kaplan–Meier Ŝ, or
-- 1 − Aalen–Johansen cumulative incidence) from its standard error se (DOMAIN-RESEARCH.md §7.2).
--   'log-log' (default; Kalbfleisch & Prentice, Stata sts):
--        lower = S^exp(+z·se/(S·|ln S|)),  upper = S^exp(−z·se/(S·|ln S|))
--   'log' (R survfit's default):  S·exp(∓z·se/S), upper capped at 1
-- For Kaplan–Meier se/S = sqrt(Greenwood sum). Undefined (NULL) where the transform is:
-- S = 0 (both), S = 1 under log-log (no event yet: nothing to estimate a spread from).
-- Any transform other than 'log' means log-log.
--
-- macro: survival_ci_lower(estimate, se, transform)
CASE
  WHEN estimate IS NULL OR se IS NULL THEN NULL
  WHEN transform = 'log' THEN
    CASE WHEN estimate > 0E0 THEN estimate * exp(-1.959963984540054E0 * se / estimate) END
  WHEN estimate > 0E0 AND estimate < 1E0 THEN
    power(estimate, exp(1.959963984540054E0 * se / (estimate * abs(ln(estimate)))))
END
-- end macro
--
-- macro: survival_ci_upper(estimate, se, transform)
CASE
  WHEN estimate IS NULL OR se IS NULL THEN NULL
  WHEN transform = 'log' THEN
    CASE WHEN estimate > 0E0 THEN least(1E0, estimate * exp(1.959963984540054E0 * se / estimate)) END
  WHEN estimate > 0E0 AND estimate < 1E0 THEN
    power(estimate, exp(-1.959963984540054E0 * se / (estimate * abs(ln(estimate)))))
END
-- end macro
