-- Wilson score 95% interval for a proportion (Newcombe 1998, Stat Med 17:857, method 3;
-- DOMAIN-RESEARCH.md §7.1). The one place the formula is written: every proportion in
-- queries/ calls wilson_lower / wilson_upper, which the loader expands in place.
--   L, U = (2x + z² ∓ z·sqrt(z² + 4x(n − x)/n)) / (2(n + z²)),  z = 1.959963984540054
-- NULL when trials = 0. Clamped to [0, 1] only to absorb floating-point rounding at x = 0
-- and x = n (the exact bounds are 0 and 1 there). Arguments are cast to DOUBLE: on Trino
-- integer division truncates and 2.0 is a DECIMAL literal, so every literal is E-notation.
--
-- macro: wilson_lower(successes, trials)
CASE WHEN CAST(trials AS DOUBLE) > 0E0 THEN
  greatest(0E0,
    (2E0 * CAST(successes AS DOUBLE) + 1.959963984540054E0 * 1.959963984540054E0
      - 1.959963984540054E0 * sqrt(1.959963984540054E0 * 1.959963984540054E0
          + 4E0 * CAST(successes AS DOUBLE) * (CAST(trials AS DOUBLE) - CAST(successes AS DOUBLE)) / NULLIF(CAST(trials AS DOUBLE), 0E0)))
    / (2E0 * (CAST(trials AS DOUBLE) + 1.959963984540054E0 * 1.959963984540054E0)))
END
-- end macro
--
-- macro: wilson_upper(successes, trials)
CASE WHEN CAST(trials AS DOUBLE) > 0E0 THEN
  least(1E0,
    (2E0 * CAST(successes AS DOUBLE) + 1.959963984540054E0 * 1.959963984540054E0
      + 1.959963984540054E0 * sqrt(1.959963984540054E0 * 1.959963984540054E0
          + 4E0 * CAST(successes AS DOUBLE) * (CAST(trials AS DOUBLE) - CAST(successes AS DOUBLE)) / NULLIF(CAST(trials AS DOUBLE), 0E0)))
    / (2E0 * (CAST(trials AS DOUBLE) + 1.959963984540054E0 * 1.959963984540054E0)))
END
-- end macro
