-- The warehouse: one table per input event type of the event contract
-- (shared/EVENTS.md), one row per item and event type, with the contract's
-- keys as typed columns. This is what a performance team's warehouse holds
-- after loading the event feed: duplicates (a repeated event id) dropped and
-- corrections (a later event for the same item id and type) merged into the
-- row, which keeps the arrival order of the item's first event of that type
-- in `seq` (the line number in the event file).
--
-- Instants (`*_at`) are TIMESTAMP WITH TIME ZONE, dates DATE: the query
-- derives civil dates in Europe/London itself. Portable DDL: runs unchanged
-- in DuckDB and PostgreSQL. The primary keys state the one-row-per-item rule.

CREATE TABLE contact (
    seq          BIGINT      NOT NULL,
    id           VARCHAR(64) NOT NULL,
    la           VARCHAR(8)  NOT NULL,
    child        VARCHAR(64) NOT NULL,
    contact_id   VARCHAR(64) NOT NULL,
    received_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    source       VARCHAR(8),
    gender       VARCHAR(1),
    birth_date   DATE,
    ethnicity    VARCHAR(8),
    disability   BOOLEAN,
    PRIMARY KEY (la, contact_id)
);

CREATE TABLE contact_decision (
    seq          BIGINT      NOT NULL,
    id           VARCHAR(64) NOT NULL,
    la           VARCHAR(8)  NOT NULL,
    child        VARCHAR(64) NOT NULL,
    contact_id   VARCHAR(64) NOT NULL,
    decided_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    outcome      VARCHAR(16) NOT NULL,
    PRIMARY KEY (la, contact_id)
);

CREATE TABLE referral (
    seq           BIGINT      NOT NULL,
    id            VARCHAR(64) NOT NULL,
    la            VARCHAR(8)  NOT NULL,
    child         VARCHAR(64) NOT NULL,
    referral_id   VARCHAR(64) NOT NULL,
    referral_date DATE        NOT NULL,
    source        VARCHAR(8),
    contact_id    VARCHAR(64),
    nfa           BOOLEAN     NOT NULL,   -- absent or null on the wire: false
    PRIMARY KEY (la, referral_id)
);

CREATE TABLE assessment_started (
    seq           BIGINT      NOT NULL,
    id            VARCHAR(64) NOT NULL,
    la            VARCHAR(8)  NOT NULL,
    child         VARCHAR(64) NOT NULL,
    assessment_id VARCHAR(64) NOT NULL,
    start_date    DATE        NOT NULL,
    referral_id   VARCHAR(64),
    PRIMARY KEY (la, assessment_id)
);

CREATE TABLE assessment_authorised (
    seq             BIGINT      NOT NULL,
    id              VARCHAR(64) NOT NULL,
    la              VARCHAR(8)  NOT NULL,
    child           VARCHAR(64) NOT NULL,
    assessment_id   VARCHAR(64) NOT NULL,
    authorised_date DATE        NOT NULL,
    child_seen      BOOLEAN,
    outcome         VARCHAR(16),
    PRIMARY KEY (la, assessment_id)
);

CREATE TABLE s47_started (
    seq           BIGINT      NOT NULL,
    id            VARCHAR(64) NOT NULL,
    la            VARCHAR(8)  NOT NULL,
    child         VARCHAR(64) NOT NULL,
    s47_id        VARCHAR(64) NOT NULL,
    strategy_date DATE        NOT NULL,
    referral_id   VARCHAR(64),
    PRIMARY KEY (la, s47_id)
);

CREATE TABLE s47_outcome (
    seq            BIGINT      NOT NULL,
    id             VARCHAR(64) NOT NULL,
    la             VARCHAR(8)  NOT NULL,
    child          VARCHAR(64) NOT NULL,
    s47_id         VARCHAR(64) NOT NULL,
    completed_date DATE        NOT NULL,
    icpc_required  BOOLEAN     NOT NULL,
    PRIMARY KEY (la, s47_id)
);

CREATE TABLE icpc (
    seq        BIGINT      NOT NULL,
    id         VARCHAR(64) NOT NULL,
    la         VARCHAR(8)  NOT NULL,
    child      VARCHAR(64) NOT NULL,
    s47_id     VARCHAR(64) NOT NULL,
    icpc_date  DATE        NOT NULL,
    cp_plan    BOOLEAN     NOT NULL,
    PRIMARY KEY (la, s47_id)
);

-- The working-day calendar: the bank holidays (and any local closure days)
-- of config/calendar-england-wales.txt, one row per date.
CREATE TABLE holiday (
    d DATE PRIMARY KEY
);
