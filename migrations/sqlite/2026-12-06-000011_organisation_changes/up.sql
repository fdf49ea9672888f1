-- A provider's proposed change of its legal identity (names, registration and licence
-- numbers, ASNs), held until the secretariat approves or refuses it. The organisation row
-- keeps the approved identity; the previous values are kept for the history.
CREATE TABLE organisation_changes (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    status TEXT NOT NULL,
    name_en TEXT NOT NULL,
    name_lo TEXT NOT NULL,
    registration_number TEXT NOT NULL,
    licence_number TEXT NOT NULL,
    asns TEXT NOT NULL,
    previous_name_en TEXT NOT NULL,
    previous_name_lo TEXT NOT NULL,
    previous_registration_number TEXT NOT NULL,
    previous_licence_number TEXT NOT NULL,
    previous_asns TEXT NOT NULL,
    proposed_by TEXT NOT NULL REFERENCES users (id),
    proposed_at TIMESTAMP NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX organisation_changes_organisation ON organisation_changes (organisation_id, proposed_at);
CREATE INDEX organisation_changes_status ON organisation_changes (status, proposed_at);
-- One pending request per organisation, whoever races to propose.
CREATE UNIQUE INDEX organisation_changes_one_pending ON organisation_changes (organisation_id)
    WHERE status = 'pending';
