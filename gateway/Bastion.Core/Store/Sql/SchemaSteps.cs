namespace Bastion.Core.Store.Sql;

/// <summary>
/// The schema history, oldest first, the same version numbers on both databases. Never edit a released step: add a
/// new one, with CompatibleFrom set when it only adds (then nodes still on the previous version keep serving during a
/// rolling upgrade). Case-insensitive uniqueness uses a lowercased key column computed by the code. On SQLite times are
/// fixed-width UTC ISO-8601 text and booleans 0/1; PostgreSQL gets native types (see the dialects), with two deliberate
/// exceptions: audit_events.ts stays the fixed-width UTC text the hash covers (100 ns, while timestamptz keeps
/// microseconds), and audit_events.data stays the JSON text (jsonb would reorder it and refuse some escapes). $Key is
/// text that is sorted or range-compared: COLLATE "C" on PostgreSQL, so order is byte order as on SQLite.
/// </summary>
internal static class SchemaSteps
{
    public static IReadOnlyList<SchemaStep> All { get; } =
    [
        new(1, "initial schema", """
            CREATE TABLE users (
                id            $Id,
                name          $Key    NOT NULL UNIQUE,
                disabled      $Bool   NOT NULL DEFAULT $False,
                mfa_policy    TEXT    NOT NULL,
                is_automation $Bool   NOT NULL DEFAULT $False,
                created_at    $Time   NOT NULL
            );

            CREATE TABLE user_groups (
                user_id    $BigInt NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                group_name $Key    NOT NULL,
                PRIMARY KEY (user_id, group_name)
            );
            CREATE INDEX ix_user_groups_group ON user_groups(group_name);

            -- A fingerprint is unique across all users: one key identifies one person.
            CREATE TABLE ssh_keys (
                id           $Id,
                user_id      $BigInt NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                key_type     TEXT    NOT NULL,
                public_key   $Blob   NOT NULL,
                fingerprint  TEXT    NOT NULL UNIQUE,
                comment      TEXT    NOT NULL DEFAULT '',
                options      TEXT    NOT NULL DEFAULT '',
                created_at   $Time   NOT NULL,
                last_used_at $Time   NULL,
                UNIQUE (user_id, fingerprint)
            );

            CREATE TABLE totp_credentials (
                user_id           $BigInt PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                secret_ciphertext $Blob   NOT NULL,
                created_at        $Time   NOT NULL,
                last_step         $BigInt NOT NULL DEFAULT 0
            );

            CREATE TABLE targets (
                id         $Id,
                name       TEXT    NOT NULL,
                name_key   $Key    NOT NULL UNIQUE,
                host       TEXT    NOT NULL,
                port       INTEGER NOT NULL DEFAULT 22,
                account    TEXT    NULL,
                tags       $Json   NOT NULL DEFAULT '{}',
                created_at $Time   NOT NULL
            );

            CREATE TABLE access_rules (
                id             $Id,
                subject        TEXT NOT NULL,
                target_pattern TEXT NOT NULL,
                required_tags  $Json NOT NULL DEFAULT '{}',
                effect         TEXT NOT NULL CHECK (effect IN ('allow', 'deny')),
                description    TEXT NULL,
                created_at     $Time NOT NULL
            );

            CREATE TABLE audit_events (
                seq            $BigInt PRIMARY KEY,
                ts             $Key NOT NULL,
                type           $Key NOT NULL,
                severity       TEXT NOT NULL,
                session_id     TEXT NULL,
                user_name      TEXT NULL,
                source_address TEXT NULL,
                data           TEXT NOT NULL,
                prev_hash      $Blob NOT NULL,
                hash           $Blob NOT NULL
            );
            CREATE INDEX ix_audit_events_user ON audit_events(user_name, seq);
            CREATE INDEX ix_audit_events_type ON audit_events(type, seq);
            CREATE INDEX ix_audit_events_ts ON audit_events(ts);
            CREATE INDEX ix_audit_events_session ON audit_events(session_id, seq);

            -- The newest event's seq and hash, updated in the same transaction as each append. Appends chain
            -- from here, so deleting the newest rows leaves a head the table no longer reaches.
            CREATE TABLE audit_chain_head (
                id        INTEGER PRIMARY KEY CHECK (id = 1),
                last_seq  $BigInt NOT NULL,
                last_hash $Blob   NOT NULL
            );
            """)
        {
            // SQLite finds a user's keys through the UNIQUE (user_id, fingerprint) index; this release keeps it so.
            Postgres = "CREATE INDEX ix_ssh_keys_user ON ssh_keys(user_id);",
        },
        new(2, "security key counters", """
            -- Last authenticator counter seen for sk-* keys; it must strictly increase (clone detection).
            ALTER TABLE ssh_keys ADD COLUMN sk_counter $BigInt NULL;
            """),
        new(3, "cloud inventory snapshots", """
            CREATE TABLE inventory_accounts (
                account_id           TEXT    PRIMARY KEY,
                alias                $Key    NOT NULL,
                last_success         $Time   NULL,
                last_attempt         $Time   NOT NULL,
                last_error           TEXT    NULL,
                consecutive_failures INTEGER NOT NULL DEFAULT 0,
                instance_count       INTEGER NOT NULL DEFAULT 0,
                instances            TEXT    NOT NULL DEFAULT '[]'
            );
            """),
        new(4, "live sessions, kill requests, login approvals", """
            CREATE TABLE live_sessions (
                channel_id      TEXT    PRIMARY KEY,
                session_id      TEXT    NOT NULL,
                node_id         TEXT    NOT NULL,
                user_name       TEXT    NOT NULL,
                source_address  TEXT    NOT NULL,
                target_name     TEXT    NOT NULL,
                target_address  TEXT    NOT NULL,
                instance_id     TEXT    NULL,
                account         TEXT    NULL,
                started_at      $Time   NOT NULL,
                bytes_from_client $BigInt NOT NULL DEFAULT 0,
                bytes_to_client   $BigInt NOT NULL DEFAULT 0,
                updated_at      $Time   NOT NULL
            );
            CREATE INDEX ix_live_sessions_node ON live_sessions(node_id);

            CREATE TABLE kill_requests (
                id           $Id,
                session_id   TEXT NOT NULL,
                requested_by TEXT NOT NULL,
                requested_at $Time NOT NULL,
                handled_at   $Time NULL
            );

            CREATE TABLE login_approvals (
                code           TEXT PRIMARY KEY,
                user_name      TEXT NOT NULL,
                source_address TEXT NOT NULL,
                client_version TEXT NOT NULL,
                created_at     $Time NOT NULL,
                expires_at     $Time NOT NULL,
                state          TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'denied')),
                decided_by     TEXT NULL,
                decided_at     $Time NULL
            );
            """)
        {
            // Pending requests are the ones looked up; PostgreSQL indexes only those.
            Sqlite = "CREATE INDEX ix_kill_requests_pending ON kill_requests(session_id, handled_at);",
            Postgres = "CREATE INDEX ix_kill_requests_pending ON kill_requests(session_id) WHERE handled_at IS NULL;",
        },
        new(5, "admin web: roles, invites, webauthn credentials", """
            CREATE TABLE user_roles (
                user_id $BigInt NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                role    $Key    NOT NULL CHECK (role IN ('admin', 'auditor', 'user')),
                PRIMARY KEY (user_id, role)
            );

            -- One-time invite links; only the SHA-256 of the token is kept.
            CREATE TABLE admin_invites (
                id         $Id,
                user_id    $BigInt NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                token_hash $Blob   NOT NULL UNIQUE,
                created_at $Time   NOT NULL,
                expires_at $Time   NOT NULL,
                created_by TEXT    NOT NULL,
                used_at    $Time   NULL
            );
            CREATE INDEX ix_admin_invites_user ON admin_invites(user_id);

            -- Security keys and passkeys for the admin web login. The counter must strictly increase (clone detection).
            CREATE TABLE webauthn_credentials (
                id                 $Id,
                user_id            $BigInt NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                credential_id      $Blob   NOT NULL UNIQUE,
                public_key         $Blob   NOT NULL,
                sign_count         $BigInt NOT NULL DEFAULT 0,
                nickname           TEXT    NOT NULL DEFAULT '',
                attestation_format TEXT    NULL,
                aaguid             $Uuid   NOT NULL,
                transports         TEXT    NOT NULL DEFAULT '',
                created_at         $Time   NOT NULL,
                last_used_at       $Time   NULL
            );
            CREATE INDEX ix_webauthn_credentials_user ON webauthn_credentials(user_id);

            -- A TOTP seed shown on the enrolment page; it replaces totp_credentials only once the user typed a valid code.
            CREATE TABLE pending_totp (
                user_id           $BigInt PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                secret_ciphertext $Blob   NOT NULL,
                created_at        $Time   NOT NULL
            );
            """),
        new(6, "anomaly detection baselines", """
            -- What each user is known to use (kind: network, target, account). The primary key makes the first
            -- sighting atomic across nodes: INSERT … ON CONFLICT DO NOTHING succeeds for exactly one of them.
            CREATE TABLE anomaly_first_seen (
                user_name     $Key  NOT NULL,
                kind          $Key  NOT NULL,
                value         $Key  NOT NULL,
                first_seen_at $Time NOT NULL,
                PRIMARY KEY (user_name, kind, value)
            );

            -- Successful logins per user and hour of day (in the configured time zone), for unusual-hour alerts.
            CREATE TABLE anomaly_login_hours (
                user_name $Key    NOT NULL,
                hour      INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
                logins    $BigInt NOT NULL,
                PRIMARY KEY (user_name, hour)
            );

            -- Failure bursts in progress, one row per subject ("user:alice", "source:203.0.113.7"): a new episode,
            -- and so a new alert, starts only after the subject was quiet for a whole window.
            CREATE TABLE anomaly_episodes (
                subject    $Key PRIMARY KEY,
                episode_id TEXT NOT NULL,
                started_at $Time NOT NULL,
                last_at    $Time NOT NULL
            );
            """),
        new(7, "session recordings and target host keys", """
            -- One row per recorded session. bytes grows with each appended chunk (so a lost recording shows its
            -- size); sha256 and ended_at are set once, when the recording is sealed or marked lost.
            -- target_key is the lowercased name (names ignore case); term_ because ROWS is a keyword in both dialects.
            CREATE TABLE recordings (
                id             $Key    PRIMARY KEY,
                session_id     TEXT    NOT NULL,
                node_id        TEXT    NOT NULL,
                user_name      TEXT    NOT NULL,
                source_address TEXT    NOT NULL,
                target_name    TEXT    NOT NULL,
                target_key     $Key    NOT NULL,
                target_address TEXT    NOT NULL,
                target_user    TEXT    NOT NULL,
                command        TEXT    NULL,
                term_columns   INTEGER NOT NULL,
                term_rows      INTEGER NOT NULL,
                started_at     $Time   NOT NULL,
                ended_at       $Time   NULL,
                bytes          $BigInt NOT NULL DEFAULT 0,
                sha256         TEXT    NULL,
                status         TEXT    NOT NULL CHECK (status IN ('recording', 'complete', 'truncated', 'lost'))
            );
            CREATE INDEX ix_recordings_started ON recordings(started_at, id);
            CREATE INDEX ix_recordings_user ON recordings(user_name, started_at);
            CREATE INDEX ix_recordings_target ON recordings(target_key, started_at);
            CREATE INDEX ix_recordings_session ON recordings(session_id);
            CREATE INDEX ix_recordings_node_status ON recordings(node_id, status);

            -- The asciicast document in pieces; concatenated in seq order they are the bytes the SHA-256 covers.
            CREATE TABLE recording_chunks (
                recording_id $Key    NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
                seq          INTEGER NOT NULL CHECK (seq >= 0),
                data         $Blob   NOT NULL,
                PRIMARY KEY (recording_id, seq)
            );

            -- Trust on first use for the targets the gateway itself logs in to (recorded mode). The primary key
            -- makes the first pin atomic across nodes: INSERT … ON CONFLICT DO NOTHING lands for exactly one.
            CREATE TABLE target_host_keys (
                subject_key   $Key PRIMARY KEY,
                subject       TEXT NOT NULL,
                key_type      TEXT NOT NULL,
                fingerprint   TEXT NOT NULL,
                first_seen_at $Time NOT NULL
            );
            """),
        new(8, "group MFA policies", """
            -- The MFA policy each group's members must at least meet. Keyed by group_name itself, compared exactly
            -- as user_groups.group_name is: group names are lowercase by rule (Names), so no lowercased key column.
            CREATE TABLE group_policies (
                group_name $Key PRIMARY KEY,
                mfa_policy TEXT NOT NULL,
                updated_at $Time NOT NULL
            );
            """),
        new(9, "gateway node heartbeats", """
            -- One row per running gateway node, refreshed every few seconds. A row gone stale means the node died;
            -- another node deletes it (once) and takes over its open sessions and unsealed recordings.
            CREATE TABLE gateway_nodes (
                node_id    $Key PRIMARY KEY,
                started_at $Time NOT NULL,
                last_seen  $Time NOT NULL,
                version    TEXT NOT NULL,
                listen     TEXT NOT NULL
            );
            """),
        new(10, "inventory findings", """
            -- What the inventory found wrong in developer accounts (refused instances, addresses claimed twice,
            -- instances reachable without the bastion), kept while it holds. The primary key makes opening a finding
            -- atomic across processes: the one INSERT that lands raises the audit event or alert, once.
            CREATE TABLE inventory_findings (
                kind       $Key NOT NULL,
                subject    $Key NOT NULL,
                account_id TEXT NOT NULL,
                summary    TEXT NOT NULL,
                data       TEXT NOT NULL,
                first_seen $Time NOT NULL,
                PRIMARY KEY (kind, subject)
            );
            """, CompatibleFrom: 9),
        new(11, "login approvals: number matching, the key used, abandonment", "")
        {
            // SQLite cannot change a CHECK constraint in place: the table is rebuilt with the new state and columns.
            Sqlite = """
                CREATE TABLE login_approvals_next (
                    code            TEXT PRIMARY KEY,
                    user_name       TEXT NOT NULL,
                    source_address  TEXT NOT NULL,
                    client_version  TEXT NOT NULL,
                    created_at      TEXT NOT NULL,
                    expires_at      TEXT NOT NULL,
                    state           TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'denied', 'abandoned')),
                    decided_by      TEXT NULL,
                    decided_at      TEXT NULL,
                    session_id      TEXT NOT NULL DEFAULT '',
                    key_fingerprint TEXT NOT NULL DEFAULT '',
                    match_number    INTEGER NOT NULL DEFAULT 0
                );
                INSERT INTO login_approvals_next (code, user_name, source_address, client_version, created_at, expires_at, state, decided_by, decided_at)
                    SELECT code, user_name, source_address, client_version, created_at, expires_at, state, decided_by, decided_at FROM login_approvals;
                DROP TABLE login_approvals;
                ALTER TABLE login_approvals_next RENAME TO login_approvals;
                """,
            Postgres = """
                ALTER TABLE login_approvals DROP CONSTRAINT login_approvals_state_check;
                ALTER TABLE login_approvals ADD CONSTRAINT login_approvals_state_check CHECK (state IN ('pending', 'approved', 'denied', 'abandoned'));
                ALTER TABLE login_approvals
                    ADD COLUMN session_id      text    NOT NULL DEFAULT '',
                    ADD COLUMN key_fingerprint text    NOT NULL DEFAULT '',
                    ADD COLUMN match_number    integer NOT NULL DEFAULT 0;
                """,
        },
        new(12, "admin web sessions", """
            -- One row per admin-web sign-in. The cookie holds a random token; only its SHA-256 is kept here. Every
            -- request reads the row, so a sign-out (revoked_at) on any admin process ends the session everywhere;
            -- verified_at is the last WebAuthn assertion, which sensitive changes need to be recent (step-up).
            CREATE TABLE web_sessions (
                id             $Id,
                user_id        $BigInt NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                token_hash     $Blob   NOT NULL UNIQUE,
                created_at     $Time   NOT NULL,
                last_seen_at   $Time   NOT NULL,
                expires_at     $Time   NOT NULL,
                verified_at    $Time   NOT NULL,
                revoked_at     $Time   NULL,
                source_address TEXT    NOT NULL DEFAULT ''
            );
            CREATE INDEX ix_web_sessions_user ON web_sessions(user_id);
            """, CompatibleFrom: 11),
        new(13, "who enrolled each SSH key", """
            -- Who added the key ("cli:root", "web:alice") and whether an administrator did: a security key whose
            -- touch was waived (no-touch-required) is accepted under a security-key policy only if an administrator
            -- enrolled it. Keys from before this step, and keys an older node adds during a rolling upgrade, read as
            -- not enrolled by an administrator, the safe side.
            ALTER TABLE ssh_keys ADD COLUMN added_by       TEXT NULL;
            ALTER TABLE ssh_keys ADD COLUMN added_by_admin $Bool NOT NULL DEFAULT $False;
            """, CompatibleFrom: 12),
        new(14, "authentication failure budgets and lockouts", """
            -- Failures and lockouts per user name and per source address (IPv6 per /64), shared by every gateway node
            -- and the admin app. One upsert counts a failure and decides a lockout atomically (lock_token names the
            -- call that started it); rows expire (expires_at) instead of being evicted, so a flood of made-up names
            -- cannot push a lockout out.
            CREATE TABLE auth_failures (
                subject         $Key    PRIMARY KEY,
                failures        INTEGER NOT NULL,
                window_start    $Time   NOT NULL,
                locked_until    $Time   NULL,
                lockouts        INTEGER NOT NULL DEFAULT 0,
                lock_token      TEXT    NULL,
                last_failure_at $Time   NOT NULL,
                expires_at      $Time   NOT NULL
            );
            CREATE INDEX ix_auth_failures_expires ON auth_failures(expires_at);
            CREATE INDEX ix_auth_failures_locked ON auth_failures(locked_until);
            """, CompatibleFrom: 13),
    ];

    public static int LatestVersion => All[^1].Version;
}
