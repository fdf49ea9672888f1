-- Whether the voter was an eligible committee member (active, on the committee, not
-- recused) when the vote was cast. The tally counts a vote by this, so taking a member
-- off the committee or deactivating them afterwards never undoes a vote they cast.
-- A vote cast from now on is always recorded as eligible (casting requires it). Votes
-- already cast get the membership as it stands at this upgrade: a vote the tally counted
-- just before the upgrade still counts, and one it ignored (its voter had left or been
-- deactivated) stays ignored, so no open vote changes its outcome by the upgrade itself.
ALTER TABLE votes ADD COLUMN voter_eligible BOOLEAN NOT NULL DEFAULT 0;
UPDATE votes SET voter_eligible = EXISTS (
    SELECT 1 FROM users
    WHERE users.id = votes.voter_id AND users.active AND users.committee_member
);

-- The case page lists the changes of committee membership that the audit log's user
-- events record between the case's submission and its decision.
CREATE INDEX audit_events_action ON audit_events (action, seq);
