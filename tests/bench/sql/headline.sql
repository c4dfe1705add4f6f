-- The headline figures of shared/DOMAIN.md, per local authority, recomputed
-- from the warehouse tables of schema.sql: what a performance team would run
-- instead of mashflow. One statement, portable: it runs unchanged in DuckDB
-- and PostgreSQL, and sql_bench.py times it as the full recompute.
--
-- It returns one row per authority with integer columns only: every count,
-- and each percentage as its numerator and denominator (`<figure>_num`,
-- `<figure>_den`), the mean as a sum of working days over the in-time
-- denominator. sql_bench.py turns those into the figures exactly as the
-- indicators record encodes them (schemas/output/indicators.schema.json: 6
-- decimals; null when the denominator is 0), so no engine's own decimal
-- arithmetic or rounding is involved.
--
-- Definitions (DOMAIN.md, and README's "Definitions" where DOMAIN.md leaves a
-- choice):
--   * The clock T is the newest event time in the tables (an instant, or a
--     date taken as 00:00 on that date in England); the report date D is T's
--     civil date in Europe/London. "Last 6 months" is (D - 6 months) + 1 day
--     .. D; month arithmetic clamps to the end of a shorter month, as both
--     engines' date - INTERVAL does. No event is later than T, so a window
--     needs only its lower bound.
--   * The horizon: state is kept for the last 24 months as of D, from
--     D - 24 months + 1 day, and figures never count items dated before it.
--     An item (contact, referral, assessment, S47) is dated by its opening
--     event (received, referral, start, strategy discussion date); an item
--     dated before the horizon, or whose opening event is absent, is not
--     counted. Its closing events (decision, authorisation, ICPC, outcome)
--     are taken as they are. This also leaves out every event mashflow
--     dead-letters as too_late (dated before the horizon of the clock when
--     it arrived, which is never later than D's), bar a date error's closing
--     event.
--   * Working days: Monday to Friday less the calendar's dates; wd(a, b) is
--     the number of working days d with a < d <= b. With wd_index = the
--     number of working days up to and including a date, wd(a, b) =
--     wd_index(b) - wd_index(a), and the Nth working day after a is the
--     working day whose wd_index is wd_index(a) + N.
--   * Snapshots (overdue, open) are taken at the clock T; "past due" is
--     strictly after the due instant, so an assessment or S47 is overdue from
--     the day after its due date.
--   * Records whose end date is before their start date (date errors) are
--     counted as completed / held, and never as in time or late: they are
--     left out of the in-time percentages and the mean.

WITH
-- T, D, and the first days of the horizon and of the 6-month window, as
-- dates and as instants (the local midnight that starts them: an instant's
-- civil date is on or after a date exactly when the instant is on or after
-- that date's local midnight).
newest AS (
    SELECT max(t) AS t FROM (
        SELECT max(received_at) AS t FROM contact
        UNION ALL SELECT max(decided_at) FROM contact_decision
        UNION ALL SELECT CAST(max(referral_date) AS TIMESTAMP) AT TIME ZONE 'Europe/London' FROM referral
        UNION ALL SELECT CAST(max(start_date) AS TIMESTAMP) AT TIME ZONE 'Europe/London' FROM assessment_started
        UNION ALL SELECT CAST(max(authorised_date) AS TIMESTAMP) AT TIME ZONE 'Europe/London' FROM assessment_authorised
        UNION ALL SELECT CAST(max(strategy_date) AS TIMESTAMP) AT TIME ZONE 'Europe/London' FROM s47_started
        UNION ALL SELECT CAST(max(completed_date) AS TIMESTAMP) AT TIME ZONE 'Europe/London' FROM s47_outcome
        UNION ALL SELECT CAST(max(icpc_date) AS TIMESTAMP) AT TIME ZONE 'Europe/London' FROM icpc
    ) AS per_table
),
report_date AS (
    SELECT t, CAST(t AT TIME ZONE 'Europe/London' AS DATE) AS d FROM newest
),
clock AS MATERIALIZED (
    SELECT t, d, horizon_start, w6_start,
           CAST(horizon_start AS TIMESTAMP) AT TIME ZONE 'Europe/London' AS horizon_at,
           CAST(w6_start AS TIMESTAMP) AT TIME ZONE 'Europe/London' AS w6_start_at
    FROM (
        SELECT t, d,
               CAST(d - INTERVAL '24 months' AS DATE) + 1 AS horizon_start,
               CAST(d - INTERVAL '6 months' AS DATE) + 1 AS w6_start
        FROM report_date
    ) AS bounds
),

-- Every date from the horizon's first day to 120 days after D (beyond the
-- latest due date: 45 working days after a start no later than D), with
-- whether it is a working day, its wd_index, and the instants it starts and
-- ends (its local midnight and the next).
cal_day AS MATERIALIZED (
    SELECT d, working,
           SUM(CASE WHEN working THEN 1 ELSE 0 END) OVER (ORDER BY d ROWS UNBOUNDED PRECEDING) AS wd_index,
           CAST(d AS TIMESTAMP) AT TIME ZONE 'Europe/London' AS starts_at,
           CAST(d + 1 AS TIMESTAMP) AT TIME ZONE 'Europe/London' AS ends_at
    FROM (
        SELECT days.d, (EXTRACT(ISODOW FROM days.d) <= 5 AND holiday.d IS NULL) AS working
        FROM (
            SELECT c.horizon_start + CAST(i AS INTEGER) AS d
            FROM clock AS c, generate_series(0, c.d + 120 - c.horizon_start) AS s(i)
        ) AS days
        LEFT JOIN holiday ON holiday.d = days.d
    ) AS flagged
),
working_day AS (
    SELECT wd_index, d, starts_at, ends_at FROM cal_day WHERE working
),

-- Authorities: every one with an event dated within the horizon (one whose
-- only events are too_late has no state and no indicators record).
authority AS (
    SELECT t.la FROM contact AS t, clock AS c WHERE t.received_at >= c.horizon_at
    UNION SELECT t.la FROM contact_decision AS t, clock AS c WHERE t.decided_at >= c.horizon_at
    UNION SELECT t.la FROM referral AS t, clock AS c WHERE t.referral_date >= c.horizon_start
    UNION SELECT t.la FROM assessment_started AS t, clock AS c WHERE t.start_date >= c.horizon_start
    UNION SELECT t.la FROM assessment_authorised AS t, clock AS c WHERE t.authorised_date >= c.horizon_start
    UNION SELECT t.la FROM s47_started AS t, clock AS c WHERE t.strategy_date >= c.horizon_start
    UNION SELECT t.la FROM s47_outcome AS t, clock AS c WHERE t.completed_date >= c.horizon_start
    UNION SELECT t.la FROM icpc AS t, clock AS c WHERE t.icpc_date >= c.horizon_start
),

-- ---- Contacts -------------------------------------------------------------
-- For each date a contact can be received on, when its decision falls due.
-- Received on a working day: at the same local clock time on the next
-- working day, that is the receipt plus `shift`, the time between the two
-- days' midnights (the clocks change only on Sundays, never on a working
-- day). Received on a non-working day: at `deadline`, 23:59:59.999 local on
-- the first working day after it. Either way the due date is the working day
-- whose wd_index is the received date's + 1. (Per date, not per row, and
-- as whole seconds, an interval without days: both engines add that to an
-- instant cheaply and whatever the session's time zone, while DuckDB takes
-- about 10 microseconds to subtract two instants.)
decision_due AS (
    SELECT rd.d, rd.working,
           CAST(EXTRACT(EPOCH FROM due.starts_at) - EXTRACT(EPOCH FROM rd.starts_at) AS BIGINT)
               * INTERVAL '1 second' AS shift,
           due.ends_at - INTERVAL '1 millisecond' AS deadline
    FROM cal_day AS rd
    JOIN working_day AS due ON due.wd_index = rd.wd_index + 1
),
-- Contacts within the horizon, with their decision (if any) and its due
-- instant.
contact_item AS (
    SELECT r.la, r.received_at, dec.decided_at, dec.outcome,
           CASE WHEN dd.working THEN r.received_at + dd.shift ELSE dd.deadline END AS due_at
    FROM (
        SELECT ct.la, ct.contact_id, ct.received_at,
               CAST(ct.received_at AT TIME ZONE 'Europe/London' AS DATE) AS received_date
        FROM contact AS ct, clock AS c
        WHERE ct.received_at >= c.horizon_at
    ) AS r
    JOIN decision_due AS dd ON dd.d = r.received_date
    LEFT JOIN contact_decision AS dec ON dec.la = r.la AND dec.contact_id = r.contact_id
),
contact_figures AS (
    SELECT ci.la,
           COUNT(*) FILTER (WHERE ci.received_at >= c.w6_start_at)
               AS contacts_6m,
           COUNT(*) FILTER (WHERE ci.decided_at IS NULL AND c.t > ci.due_at)
               AS contact_decisions_overdue,
           -- of decisions made in the last 6 months, those made by their due instant
           COUNT(*) FILTER (WHERE ci.decided_at >= c.w6_start_at
                              AND ci.decided_at <= ci.due_at)
               AS contact_decisions_in_time_pct_6m_num,
           COUNT(*) FILTER (WHERE ci.decided_at >= c.w6_start_at)
               AS contact_decisions_in_time_pct_6m_den,
           -- of contacts in the last 6 months with a decision, those decided "referral"
           COUNT(*) FILTER (WHERE ci.received_at >= c.w6_start_at
                              AND ci.decided_at IS NOT NULL AND ci.outcome = 'referral')
               AS contact_to_referral_pct_6m_num,
           COUNT(*) FILTER (WHERE ci.received_at >= c.w6_start_at
                              AND ci.decided_at IS NOT NULL)
               AS contact_to_referral_pct_6m_den
    FROM contact_item AS ci, clock AS c
    GROUP BY ci.la
),
multiple_contacts AS (
    SELECT la, COUNT(*) AS children_multiple_contacts_6m
    FROM (
        SELECT ct.la, ct.child
        FROM contact AS ct, clock AS c
        WHERE ct.received_at >= c.w6_start_at
        GROUP BY ct.la, ct.child
        HAVING COUNT(*) >= 2
    ) AS children
    GROUP BY la
),

-- ---- Referrals ------------------------------------------------------------
referral_kept AS (
    SELECT rf.la, rf.child, rf.referral_id, rf.referral_date, rf.seq, rf.nfa
    FROM referral AS rf, clock AS c
    WHERE rf.referral_date >= c.horizon_start
),
-- The referrals of the last 6 months.
referral_recent AS (
    SELECT r.la, r.child, r.referral_id, r.referral_date, r.seq, r.nfa
    FROM referral_kept AS r, clock AS c
    WHERE r.referral_date >= c.w6_start
),
-- previous_referrals_12m of those that have any: the child's other referrals
-- dated in [date - 12 months, date), or on the same date and first seen
-- earlier in the stream (smaller seq). (An inner join then a left join on
-- the referral id: DuckDB plans a left join whose condition has inequalities
-- as a nested loop, a hundred times slower here.)
previous AS (
    SELECT r.la, r.referral_id, COUNT(*) AS previous_12m
    FROM referral_recent AS r
    JOIN referral_kept AS p ON p.la = r.la AND p.child = r.child
    WHERE p.referral_date >= CAST(r.referral_date - INTERVAL '12 months' AS DATE)
      AND (p.referral_date < r.referral_date
           OR (p.referral_date = r.referral_date AND p.seq < r.seq))
    GROUP BY r.la, r.referral_id
),
referral_6m AS (
    SELECT r.la, r.child, r.referral_date, r.seq, r.nfa, COALESCE(pv.previous_12m, 0) AS previous_12m
    FROM referral_recent AS r
    LEFT JOIN previous AS pv ON pv.la = r.la AND pv.referral_id = r.referral_id
),
referral_figures AS (
    SELECT la,
           COUNT(*) AS referrals_6m,
           COUNT(*) FILTER (WHERE nfa) AS referrals_nfa_6m,
           COUNT(*) FILTER (WHERE previous_12m > 0) AS rereferral_pct_6m_num,
           COUNT(*) AS rereferral_pct_6m_den
    FROM referral_6m
    GROUP BY la
),
-- Each child's latest referral of the last 6 months (by date, then arrival).
child_latest AS (
    SELECT la, previous_12m
    FROM (
        SELECT la, previous_12m,
               ROW_NUMBER() OVER (PARTITION BY la, child ORDER BY referral_date DESC, seq DESC) AS nth
        FROM referral_6m
    ) AS ranked
    WHERE nth = 1
),
child_figures AS (
    SELECT la,
           COUNT(*) FILTER (WHERE previous_12m > 0) AS rereferral_children_pct_6m_num,
           COUNT(*) AS rereferral_children_pct_6m_den,
           COUNT(*) FILTER (WHERE previous_12m = 0) AS previous_0,
           COUNT(*) FILTER (WHERE previous_12m = 1) AS previous_1,
           COUNT(*) FILTER (WHERE previous_12m = 2) AS previous_2,
           COUNT(*) FILTER (WHERE previous_12m = 3) AS previous_3,
           COUNT(*) FILTER (WHERE previous_12m >= 4) AS previous_4_plus
    FROM child_latest
    GROUP BY la
),

-- ---- Assessments ----------------------------------------------------------
-- Assessments started within the horizon, with their authorisation (if
-- any), the duration in working days, and the due date of an open one: the
-- 45th working day after the start. (A date error's authorisation may
-- precede the calendar: its duration is never used.)
assessment_item AS (
    SELECT s.la, s.start_date, a.authorised_date,
           ae.wd_index - st.wd_index AS duration_wd,
           due.d AS due_date
    FROM assessment_started AS s
    JOIN clock AS c ON s.start_date >= c.horizon_start
    LEFT JOIN assessment_authorised AS a ON a.la = s.la AND a.assessment_id = s.assessment_id
    JOIN cal_day AS st ON st.d = s.start_date
    LEFT JOIN cal_day AS ae ON ae.d = a.authorised_date
    JOIN working_day AS due ON due.wd_index = st.wd_index + 45
),
assessment_figures AS (
    SELECT ai.la,
           COUNT(*) FILTER (WHERE ai.start_date >= c.w6_start OR ai.authorised_date IS NULL)
               AS assessments_6m,
           COUNT(*) FILTER (WHERE ai.authorised_date >= c.w6_start)
               AS assessments_completed_6m,
           COUNT(*) FILTER (WHERE ai.authorised_date IS NULL)
               AS assessments_open,
           COUNT(*) FILTER (WHERE ai.authorised_date >= c.w6_start AND ai.authorised_date >= ai.start_date
                              AND ai.duration_wd <= 45)
               AS assessments_in_time_pct_6m_num,
           COUNT(*) FILTER (WHERE ai.authorised_date >= c.w6_start AND ai.authorised_date >= ai.start_date)
               AS assessments_in_time_pct_6m_den,
           COALESCE(SUM(ai.duration_wd) FILTER (WHERE ai.authorised_date >= c.w6_start
                                                  AND ai.authorised_date >= ai.start_date), 0)
               AS assessment_wd_sum_6m,
           COUNT(*) FILTER (WHERE ai.authorised_date IS NULL AND c.d > ai.due_date)
               AS assessments_overdue,
           COUNT(*) FILTER (WHERE ai.authorised_date >= c.w6_start AND ai.authorised_date < ai.start_date)
               AS assessment_date_errors_6m
    FROM assessment_item AS ai, clock AS c
    GROUP BY ai.la
),

-- ---- Section 47 enquiries and ICPCs ----------------------------------------
-- S47s whose strategy discussion is within the horizon, with their ICPC and
-- outcome (if any) and the ICPC's due date: the 15th working day after the
-- strategy discussion. An S47 is open until an ICPC is held or an outcome
-- says no ICPC is required.
s47_item AS (
    SELECT s.la, s.strategy_date, i.icpc_date,
           ic.wd_index - st.wd_index AS icpc_wd,
           (i.icpc_date IS NULL AND (o.icpc_required IS NULL OR o.icpc_required)) AS open_s47,
           due.d AS due_date
    FROM s47_started AS s
    JOIN clock AS c ON s.strategy_date >= c.horizon_start
    LEFT JOIN icpc AS i ON i.la = s.la AND i.s47_id = s.s47_id
    LEFT JOIN s47_outcome AS o ON o.la = s.la AND o.s47_id = s.s47_id
    JOIN cal_day AS st ON st.d = s.strategy_date
    LEFT JOIN cal_day AS ic ON ic.d = i.icpc_date
    JOIN working_day AS due ON due.wd_index = st.wd_index + 15
),
s47_figures AS (
    SELECT si.la,
           COUNT(*) FILTER (WHERE si.strategy_date >= c.w6_start) AS s47_6m,
           COUNT(*) FILTER (WHERE si.icpc_date >= c.w6_start) AS icpc_6m,
           COUNT(*) FILTER (WHERE si.icpc_date >= c.w6_start AND si.icpc_date >= si.strategy_date
                              AND si.icpc_wd <= 15)
               AS icpc_in_time_pct_6m_num,
           COUNT(*) FILTER (WHERE si.icpc_date >= c.w6_start AND si.icpc_date >= si.strategy_date)
               AS icpc_in_time_pct_6m_den,
           COUNT(*) FILTER (WHERE si.open_s47 AND c.d > si.due_date) AS icpc_overdue,
           COUNT(*) FILTER (WHERE si.icpc_date >= c.w6_start AND si.icpc_date < si.strategy_date)
               AS icpc_date_errors_6m
    FROM s47_item AS si, clock AS c
    GROUP BY si.la
)

-- ---- One row per authority ------------------------------------------------
SELECT a.la,
       CAST(c.d AS VARCHAR(10)) AS as_of,
       CAST(round(EXTRACT(EPOCH FROM c.t) * 1000) AS BIGINT) AS computed_at,
       COALESCE(cf.contacts_6m, 0) AS contacts_6m,
       COALESCE(mc.children_multiple_contacts_6m, 0) AS children_multiple_contacts_6m,
       COALESCE(cf.contact_decisions_overdue, 0) AS contact_decisions_overdue,
       COALESCE(cf.contact_decisions_in_time_pct_6m_num, 0) AS contact_decisions_in_time_pct_6m_num,
       COALESCE(cf.contact_decisions_in_time_pct_6m_den, 0) AS contact_decisions_in_time_pct_6m_den,
       COALESCE(cf.contact_to_referral_pct_6m_num, 0) AS contact_to_referral_pct_6m_num,
       COALESCE(cf.contact_to_referral_pct_6m_den, 0) AS contact_to_referral_pct_6m_den,
       COALESCE(rf.referrals_6m, 0) AS referrals_6m,
       COALESCE(rf.referrals_nfa_6m, 0) AS referrals_nfa_6m,
       COALESCE(rf.rereferral_pct_6m_num, 0) AS rereferral_pct_6m_num,
       COALESCE(rf.rereferral_pct_6m_den, 0) AS rereferral_pct_6m_den,
       COALESCE(ch.rereferral_children_pct_6m_num, 0) AS rereferral_children_pct_6m_num,
       COALESCE(ch.rereferral_children_pct_6m_den, 0) AS rereferral_children_pct_6m_den,
       COALESCE(ch.previous_0, 0) AS previous_0,
       COALESCE(ch.previous_1, 0) AS previous_1,
       COALESCE(ch.previous_2, 0) AS previous_2,
       COALESCE(ch.previous_3, 0) AS previous_3,
       COALESCE(ch.previous_4_plus, 0) AS previous_4_plus,
       COALESCE(af.assessments_6m, 0) AS assessments_6m,
       COALESCE(af.assessments_completed_6m, 0) AS assessments_completed_6m,
       COALESCE(af.assessments_open, 0) AS assessments_open,
       COALESCE(af.assessments_in_time_pct_6m_num, 0) AS assessments_in_time_pct_6m_num,
       COALESCE(af.assessments_in_time_pct_6m_den, 0) AS assessments_in_time_pct_6m_den,
       COALESCE(af.assessment_wd_sum_6m, 0) AS assessment_wd_sum_6m,
       COALESCE(af.assessments_overdue, 0) AS assessments_overdue,
       COALESCE(sf.s47_6m, 0) AS s47_6m,
       COALESCE(sf.icpc_6m, 0) AS icpc_6m,
       COALESCE(sf.icpc_in_time_pct_6m_num, 0) AS icpc_in_time_pct_6m_num,
       COALESCE(sf.icpc_in_time_pct_6m_den, 0) AS icpc_in_time_pct_6m_den,
       COALESCE(sf.icpc_overdue, 0) AS icpc_overdue,
       COALESCE(af.assessment_date_errors_6m, 0) AS assessment_date_errors_6m,
       COALESCE(sf.icpc_date_errors_6m, 0) AS icpc_date_errors_6m
FROM authority AS a
CROSS JOIN clock AS c
LEFT JOIN contact_figures AS cf ON cf.la = a.la
LEFT JOIN multiple_contacts AS mc ON mc.la = a.la
LEFT JOIN referral_figures AS rf ON rf.la = a.la
LEFT JOIN child_figures AS ch ON ch.la = a.la
LEFT JOIN assessment_figures AS af ON af.la = a.la
LEFT JOIN s47_figures AS sf ON sf.la = a.la
ORDER BY a.la;
