-- One row per request, written from usage events; request_id makes redelivery harmless.
CREATE TABLE usage_ledger (
    request_id           text        PRIMARY KEY,
    occurred_at          timestamptz NOT NULL,
    tenant_id            text        NOT NULL,
    key_id               text        NOT NULL,
    user_id              text        NOT NULL DEFAULT '',
    requested_model      text        NOT NULL DEFAULT '',
    served_model         text        NOT NULL DEFAULT '',
    provider             text        NOT NULL DEFAULT '',
    prompt_tokens        bigint      NOT NULL DEFAULT 0,
    completion_tokens    bigint      NOT NULL DEFAULT 0,
    cached_prompt_tokens bigint      NOT NULL DEFAULT 0,
    reasoning_tokens     bigint      NOT NULL DEFAULT 0,
    cache_write_tokens   bigint      NOT NULL DEFAULT 0,
    usage_estimated      boolean     NOT NULL DEFAULT false,
    -- exactly cost_nanos_usd / 1e9
    cost_usd             numeric(30, 9) NOT NULL,
    outcome              text        NOT NULL,
    stream               boolean     NOT NULL DEFAULT false,
    latency_ms           bigint      NOT NULL DEFAULT 0,
    tags                 jsonb       NOT NULL DEFAULT '{}'::jsonb,
    recorded_at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX usage_ledger_tenant_time ON usage_ledger (tenant_id, occurred_at);
CREATE INDEX usage_ledger_tenant_key_time ON usage_ledger (tenant_id, key_id, occurred_at);
