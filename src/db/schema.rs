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
    }
}

diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    sessions,
    audit_events,
    audit_head
);
