SELECT
  `_k0`,
  `_k1`,
  `_day`,
  `_s0`,
  `_s1`,
  `_s2`,
  COUNT(*) AS `_n`,
  SUM(`_w`) AS `_sw`,
  SUM(`_w` * `_w`) AS `_sw2`,
  MIN(`_w`) AS `_wmin`,
  COUNT(`_w`) AS `_wn`,
  GROUPING(`_s0`) AS `_g0`,
  GROUPING(`_s1`) AS `_g1`,
  GROUPING(`_s2`) AS `_g2`
FROM (
  SELECT
    `t0`.`region` AS `_k0`,
    `t0`.`plan` AS `_k1`,
    DATE_TRUNC('MONTH', CAST(`t0`.`submitted` AS DATE)) AS `_day`,
    `t0`.`satisfaction` AS `_s0`,
    `t0`.`likelihood_to_recommend` AS `_s1`,
    `t0`.`effort` AS `_s2`,
    `t0`.`weight` AS `_w`
  FROM `responses` AS `t0`
) AS `_rows`
GROUP BY
  GROUPING SETS (
    (`_k0`, `_k1`, `_day`, `_s0`),
    (`_k0`, `_k1`, `_day`, `_s1`),
    (`_k0`, `_k1`, `_day`, `_s2`)
  )
