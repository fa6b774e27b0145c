-- Budget rules set through the SetBudget RPC (they override config rules with the same id).
-- limit_nanos NULL = unlimited; period total | daily | monthly.
CREATE TABLE budget_rule (
    budget_id   text        PRIMARY KEY,
    limit_nanos bigint,
    period      text        NOT NULL,
    hard        boolean     NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
