-- Report dimensions and KPIs computed at ingest (so reports are one aggregate query), admin prices, feedback.
ALTER TABLE usage_ledger
    ADD COLUMN team              text          NOT NULL DEFAULT '',
    ADD COLUMN route             text          NOT NULL DEFAULT '',
    ADD COLUMN tier              text          NOT NULL DEFAULT '',
    -- the usage re-priced by the cost-service at occurred_at (NULL when the model had no price)
    ADD COLUMN list_cost_usd     numeric(30, 9),
    ADD COLUMN unpriced          boolean       NOT NULL DEFAULT false,
    -- the same usage at the premium baseline model's price (routing savings = baseline - cost)
    ADD COLUMN baseline_cost_usd numeric(30, 9) NOT NULL DEFAULT 0,
    -- for a cache hit: the avoided usage at the requested model's price
    ADD COLUMN cache_savings_usd numeric(30, 9) NOT NULL DEFAULT 0;

CREATE INDEX usage_ledger_time ON usage_ledger (occurred_at);

-- Prices set through the SetPrice RPC; tenant_id '' = every tenant. price holds the ModelPrice decimal strings.
CREATE TABLE price_version (
    tenant_id      text        NOT NULL DEFAULT '',
    model          text        NOT NULL,
    effective_from timestamptz NOT NULL,
    price          jsonb       NOT NULL,
    source         text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, model, effective_from)
);

-- One thumbs up or down per request (the last one counts).
CREATE TABLE feedback (
    request_id  text        PRIMARY KEY,
    tenant_id   text        NOT NULL,
    thumbs_up   boolean     NOT NULL,
    comment     text        NOT NULL DEFAULT '',
    recorded_at timestamptz NOT NULL DEFAULT now()
);
