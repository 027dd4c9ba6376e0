-- 008 interaction latency: how long the model took for the turn and which kind of endpoint
-- answered (openai | local), for the chat panel's token monitor. Written by core.context.log.record_turn.
ALTER TABLE interactions ADD COLUMN latency_ms INTEGER;
ALTER TABLE interactions ADD COLUMN endpoint VARCHAR;
