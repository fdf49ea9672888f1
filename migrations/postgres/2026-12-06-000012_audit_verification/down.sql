DROP TABLE audit_verification;
