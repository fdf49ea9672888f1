// Table definitions shared by both backends; keep in step with migrations/sqlite and migrations/postgres.

diesel::table! {
    organisations (id) {
        id -> Text,
        slug -> Text,
        name_en -> Text,
        name_lo -> Text,
        registration_number -> Text,
        licence_number -> Text,
        address -> Text,
        asns -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        organisation_id -> Nullable<Text>,
        password_hash -> Text,
        language -> Nullable<Text>,
        active -> Bool,
        committee_member -> Bool,
        review_domains -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        committee_digest -> Bool,
        totp_secret -> Nullable<Text>,
        totp_pending -> Nullable<Text>,
        totp_last_step -> Nullable<BigInt>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        ip -> Text,
        user_agent -> Text,
        stage -> Text,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Text,
        user_id -> Text,
        code_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_label -> Text,
        action -> Text,
        subject_type -> Text,
        subject_id -> Text,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        ip -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        last_seq -> BigInt,
        last_hash -> Text,
        keyed_from -> BigInt,
        chain_id -> Text,
    }
}

diesel::table! {
    audit_chain_keys (from_seq) {
        from_seq -> BigInt,
        sealed_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_verification (id) {
        id -> Integer,
        verified_seq -> BigInt,
        verified_hash -> Text,
        checked_at -> Timestamp,
        full_walk_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sequence_counters (name, year) {
        name -> Text,
        year -> Integer,
        last_number -> BigInt,
    }
}

diesel::table! {
    applications (id) {
        id -> Text,
        reference -> Nullable<Text>,
        organisation_id -> Text,
        created_by -> Text,
        kind -> Text,
        status -> Text,
        content -> Text,
        revision -> Integer,
        submitted_at -> Nullable<Timestamp>,
        clock_paused_seconds -> BigInt,
        decision_due_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        vote_opened_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
        decision_conditions -> Text,
        decision_validity_months -> Nullable<Integer>,
        decision_legal_basis -> Text,
        decision_reasons -> Text,
        closed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    application_revisions (id) {
        id -> Text,
        application_id -> Text,
        number -> Integer,
        snapshot -> Text,
        submitted_by -> Text,
        submitted_at -> Timestamp,
    }
}

diesel::table! {
    attachments (id) {
        id -> Text,
        application_id -> Text,
        kind -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    information_requests (id) {
        id -> Text,
        application_id -> Text,
        questions -> Text,
        deadline_at -> Timestamp,
        requested_by -> Text,
        requested_at -> Timestamp,
        answer -> Nullable<Text>,
        answered_by -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        lapsed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    review_assignments (id) {
        id -> Text,
        application_id -> Text,
        reviewer_id -> Text,
        domain -> Text,
        assigned_by -> Text,
        assigned_at -> Timestamp,
        recommendation -> Nullable<Text>,
        comments -> Text,
        conditions -> Text,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    recusals (application_id, user_id) {
        application_id -> Text,
        user_id -> Text,
        reason -> Text,
        declared_at -> Timestamp,
    }
}

diesel::table! {
    votes (application_id, voter_id) {
        application_id -> Text,
        voter_id -> Text,
        choice -> Text,
        reason -> Text,
        cast_at -> Timestamp,
        voter_eligible -> Bool,
    }
}

diesel::table! {
    connections (id) {
        id -> Text,
        approval_number -> Text,
        application_id -> Text,
        organisation_id -> Text,
        status -> Text,
        connection_type -> Text,
        counterparty_name -> Text,
        counterparty_country -> Text,
        capacity_mbps -> BigInt,
        endpoint_province -> Text,
        terms -> Text,
        conditions -> Text,
        valid_from -> Date,
        valid_until -> Date,
        approved_at -> Timestamp,
        status_changed_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        disconnection_deadline -> Nullable<Timestamp>,
        disconnection_confirmed_at -> Nullable<Timestamp>,
        disconnection_evidence -> Text,
        disconnection_verified_at -> Nullable<Timestamp>,
        search_text -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        counterparty_asn -> Nullable<BigInt>,
    }
}

diesel::table! {
    connection_events (id) {
        id -> Text,
        connection_id -> Text,
        kind -> Text,
        occurred_at -> Timestamp,
        actor_id -> Nullable<Text>,
        reason -> Text,
        details -> Text,
    }
}

diesel::table! {
    show_cause_cases (id) {
        id -> Text,
        connection_id -> Text,
        notice -> Text,
        opened_by -> Text,
        opened_at -> Timestamp,
        response_deadline -> Timestamp,
        answer -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
    }
}

diesel::table! {
    scheduled_marks (job, subject) {
        job -> Text,
        subject -> Text,
        done_at -> Timestamp,
    }
}

diesel::table! {
    scheduler_leases (name) {
        name -> Text,
        holder -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    connection_files (id) {
        id -> Text,
        connection_id -> Text,
        purpose -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    routing_imports (id) {
        id -> Text,
        kind -> Text,
        file_name -> Text,
        sha256 -> Text,
        size_bytes -> BigInt,
        collector -> Text,
        data_from -> Nullable<Timestamp>,
        data_until -> Nullable<Timestamp>,
        records_read -> BigInt,
        records_skipped -> BigInt,
        records_malformed -> BigInt,
        adjacencies -> BigInt,
        duration_ms -> BigInt,
        imported_by -> Text,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    routing_adjacencies (import_id, domestic_asn, foreign_asn) {
        import_id -> Text,
        domestic_asn -> BigInt,
        foreign_asn -> BigInt,
        collector -> Text,
        peer_asns -> Text,
        peer_addresses -> BigInt,
        announcements -> BigInt,
        prefixes -> BigInt,
        ipv4_addresses -> BigInt,
        ipv6_48s -> BigInt,
        domestic_nearer -> BigInt,
        foreign_nearer -> BigInt,
        example_path -> Text,
        example_prefix -> Text,
        first_seen -> Timestamp,
        last_seen -> Timestamp,
    }
}

diesel::table! {
    routing_asn_registrations (import_id, line) {
        import_id -> Text,
        line -> BigInt,
        registry -> Text,
        first_asn -> BigInt,
        asn_count -> BigInt,
        country -> Text,
        status -> Text,
        opaque_id -> Text,
    }
}

diesel::table! {
    routing_as_organisations (import_id, asn) {
        import_id -> Text,
        asn -> BigInt,
        org_id -> Text,
        org_name -> Text,
        country -> Text,
    }
}

diesel::table! {
    routing_relationships (import_id, asn_a, asn_b) {
        import_id -> Text,
        asn_a -> BigInt,
        asn_b -> BigInt,
        kind -> Text,
    }
}

diesel::table! {
    routing_exchange_presences (import_id, asn, exchange_id) {
        import_id -> Text,
        asn -> BigInt,
        exchange_id -> BigInt,
        exchange_name -> Text,
        country -> Text,
    }
}

diesel::table! {
    routing_route_servers (import_id, asn) {
        import_id -> Text,
        asn -> BigInt,
    }
}

diesel::table! {
    findings (id) {
        id -> Text,
        kind -> Text,
        state -> Text,
        domestic_asn -> BigInt,
        foreign_asn -> Nullable<BigInt>,
        organisation_id -> Nullable<Text>,
        connection_id -> Nullable<Text>,
        exchange_id -> Nullable<BigInt>,
        connection_status -> Nullable<Text>,
        detail -> Text,
        peers -> BigInt,
        severity -> BigInt,
        confidence -> BigInt,
        impact -> BigInt,
        score -> BigInt,
        rank_parts -> Text,
        first_seen -> Nullable<Timestamp>,
        last_seen -> Nullable<Timestamp>,
        still_seen -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        foreign_country -> Nullable<Text>,
        foreign_name -> Nullable<Text>,
        explanation_due -> Nullable<Timestamp>,
        explanation_reason -> Nullable<Text>,
        explanation_expires -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        linked_connection_id -> Nullable<Text>,
        evidence -> Nullable<Text>,
    }
}

diesel::table! {
    finding_events (id) {
        id -> Text,
        finding_id -> Text,
        seq -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_label -> Text,
        step -> Text,
        state_after -> Text,
        reason -> Nullable<Text>,
        body -> Text,
        deadline -> Nullable<Timestamp>,
        expires -> Nullable<Timestamp>,
        connection_id -> Nullable<Text>,
        application_id -> Nullable<Text>,
        case_id -> Nullable<Text>,
    }
}

diesel::table! {
    registry_version (id) {
        id -> Integer,
        version -> BigInt,
        connections -> BigInt,
    }
}

diesel::table! {
    link_cases (id) {
        id -> Text,
        finding_id -> Text,
        organisation_id -> Text,
        connection_id -> Nullable<Text>,
        stage -> Text,
        notice -> Text,
        opened_by -> Text,
        opened_at -> Timestamp,
        response_deadline -> Timestamp,
        answer -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        decision -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        disconnection_deadline -> Nullable<Timestamp>,
        confirmation -> Nullable<Text>,
        confirmed_at -> Nullable<Timestamp>,
        verified_by -> Nullable<Text>,
        verified_at -> Nullable<Timestamp>,
        still_seen_reason -> Nullable<Text>,
        evidence -> Text,
    }
}

diesel::table! {
    link_case_files (id) {
        id -> Text,
        case_id -> Text,
        purpose -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    monitoring_snapshots (import_id) {
        import_id -> Text,
        observed_at -> Timestamp,
        adjacencies -> BigInt,
        unapproved -> BigInt,
        frontier -> BigInt,
        open_by_kind -> Text,
    }
}

diesel::table! {
    finding_files (id) {
        id -> Text,
        finding_id -> Text,
        event_id -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::joinable!(users -> organisations (organisation_id));
diesel::table! {
    outbox_messages (id) {
        id -> Text,
        message -> Text,
        recipient_email -> Text,
        recipient_name -> Text,
        recipient_user_id -> Nullable<Text>,
        language -> Text,
        params -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Text,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        digest_id -> Nullable<Text>,
    }
}

diesel::table! {
    user_tokens (id) {
        id -> Text,
        user_id -> Text,
        purpose -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        public_key -> Text,
        sealed_private_key -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    certificates (id) {
        id -> Text,
        connection_id -> Text,
        kid -> Text,
        token -> Text,
        issued_at -> Timestamp,
        valid_until -> Date,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Text,
        organisation_id -> Text,
        user_id -> Text,
        name -> Text,
        secret_hash -> Text,
        secret_version -> Integer,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    organisation_changes (id) {
        id -> Text,
        organisation_id -> Text,
        status -> Text,
        name_en -> Text,
        name_lo -> Text,
        registration_number -> Text,
        licence_number -> Text,
        asns -> Text,
        previous_name_en -> Text,
        previous_name_lo -> Text,
        previous_registration_number -> Text,
        previous_licence_number -> Text,
        previous_asns -> Text,
        proposed_by -> Text,
        proposed_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        reason -> Text,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(recovery_codes -> users (user_id));
diesel::joinable!(certificates -> connections (connection_id));

diesel::joinable!(applications -> organisations (organisation_id));
diesel::joinable!(information_requests -> applications (application_id));
diesel::joinable!(attachments -> applications (application_id));
diesel::joinable!(connections -> organisations (organisation_id));
diesel::joinable!(api_clients -> organisations (organisation_id));
diesel::joinable!(organisation_changes -> organisations (organisation_id));
diesel::joinable!(connection_events -> connections (connection_id));
diesel::joinable!(show_cause_cases -> connections (connection_id));
diesel::joinable!(connection_files -> connections (connection_id));
diesel::joinable!(routing_adjacencies -> routing_imports (import_id));
diesel::joinable!(finding_events -> findings (finding_id));
diesel::joinable!(finding_files -> findings (finding_id));
diesel::joinable!(link_cases -> findings (finding_id));
diesel::joinable!(link_case_files -> link_cases (case_id));

diesel::table! {
    tlog_head (id) {
        id -> Integer,
        size -> BigInt,
    }
}

diesel::table! {
    tlog_entries (idx) {
        idx -> BigInt,
        kind -> Text,
        connection_id -> Text,
        certificate_id -> Nullable<Text>,
        data -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tlog_hashes (idx) {
        idx -> BigInt,
        hash -> Binary,
    }
}

diesel::table! {
    tlog_checkpoints (size) {
        size -> BigInt,
        note -> Text,
        signed_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    sessions,
    recovery_codes,
    audit_events,
    audit_head,
    audit_chain_keys,
    audit_verification,
    sequence_counters,
    applications,
    application_revisions,
    attachments,
    information_requests,
    review_assignments,
    recusals,
    votes,
    connections,
    connection_events,
    show_cause_cases,
    scheduled_marks,
    scheduler_leases,
    connection_files,
    outbox_messages,
    user_tokens,
    signing_keys,
    certificates,
    api_clients,
    organisation_changes,
    routing_imports,
    routing_adjacencies,
    routing_asn_registrations,
    routing_as_organisations,
    routing_relationships,
    routing_exchange_presences,
    routing_route_servers,
    findings,
    finding_events,
    finding_files,
    monitoring_snapshots,
    link_cases,
    link_case_files,
    registry_version,
    tlog_head,
    tlog_entries,
    tlog_hashes,
    tlog_checkpoints,
);
