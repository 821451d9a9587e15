CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`entity` text NOT NULL,
	`entity_id` text,
	`detail` text
);
--> statement-breakpoint
CREATE TABLE `communes` (
	`code` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text DEFAULT 'xa' NOT NULL,
	`district_cluster` text DEFAULT '' NOT NULL,
	`lat` real NOT NULL,
	`lon` real NOT NULL,
	`contracted_mbps` real DEFAULT 100 NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	`notes` text DEFAULT '' NOT NULL,
	`thresholds` text,
	`demo` integer DEFAULT false NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `communes_cluster_idx` ON `communes` (`district_cluster`);--> statement-breakpoint
CREATE TABLE `coverage_gaps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`commune_code` text NOT NULL,
	`hamlet` text NOT NULL,
	`kind` text NOT NULL,
	`population` integer,
	`households` integer,
	`since_date` text,
	`planned_fix` text,
	`fixed_at_date` text,
	`source` text DEFAULT '' NOT NULL,
	FOREIGN KEY (`commune_code`) REFERENCES `communes`(`code`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `coverage_gaps_commune_idx` ON `coverage_gaps` (`commune_code`);--> statement-breakpoint
CREATE TABLE `incident_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`at` integer NOT NULL,
	`type` text NOT NULL,
	`actor` text,
	`detail` text DEFAULT '' NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `incident_events_incident_idx` ON `incident_events` (`incident_id`);--> statement-breakpoint
CREATE TABLE `incidents` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`alertname` text NOT NULL,
	`state` text NOT NULL,
	`severity` text NOT NULL,
	`target_id` text,
	`commune_code` text,
	`labels` text NOT NULL,
	`annotations` text NOT NULL,
	`summary` text NOT NULL,
	`affected_communes` integer DEFAULT 0 NOT NULL,
	`flapping` integer DEFAULT false NOT NULL,
	`opened_at` integer NOT NULL,
	`acked_at` integer,
	`acked_by` text,
	`ack_comment` text,
	`resolved_at` integer
);
--> statement-breakpoint
CREATE INDEX `incidents_key_idx` ON `incidents` (`key`,`state`);--> statement-breakpoint
CREATE INDEX `incidents_state_idx` ON `incidents` (`state`,`opened_at`);--> statement-breakpoint
CREATE TABLE `maintenance` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`scope` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`recurrence` text,
	`reason` text DEFAULT '' NOT NULL,
	`created_by` text DEFAULT '' NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `notification_log` (
	`receiver` text NOT NULL,
	`group_key` text NOT NULL,
	`firing` text NOT NULL,
	`sent_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notification_log_pk` ON `notification_log` (`receiver`,`group_key`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`idempotency_key` text NOT NULL,
	`destination` text NOT NULL,
	`channel_type` text NOT NULL,
	`group_name` text NOT NULL,
	`channel_index` integer NOT NULL,
	`message` text NOT NULL,
	`incident_ids` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`collapsed_into` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_idempotency_key_unique` ON `outbox` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `outbox_due_idx` ON `outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `probes` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`location` text DEFAULT '' NOT NULL,
	`builtin` integer DEFAULT false NOT NULL,
	`version` text,
	`last_seen_at` integer,
	`spool_batches` integer,
	`revoked_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `probes_name_unique` ON `probes` (`name`);--> statement-breakpoint
CREATE TABLE `provinces` (
	`code` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `results` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`target_id` text NOT NULL,
	`probe_id` text NOT NULL,
	`observed_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`duration_ms` real NOT NULL,
	`ok` integer NOT NULL,
	`error` text,
	`measurements` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `results_id_uq` ON `results` (`id`);--> statement-breakpoint
CREATE INDEX `results_target_time_idx` ON `results` (`target_id`,`observed_at`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `silences` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`matchers` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`comment` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sites` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`commune_code` text NOT NULL,
	`name` text NOT NULL,
	`kind` text DEFAULT 'office' NOT NULL,
	`lat` real,
	`lon` real,
	FOREIGN KEY (`commune_code`) REFERENCES `communes`(`code`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `support_groups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`channels` text NOT NULL,
	`communes` text NOT NULL,
	`clusters` text NOT NULL,
	`roles` text DEFAULT '[]' NOT NULL,
	`min_severity` text DEFAULT 'warning' NOT NULL,
	`language` text DEFAULT 'vi' NOT NULL,
	`send_resolved` integer DEFAULT true NOT NULL,
	`escalation` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `support_groups_name_unique` ON `support_groups` (`name`);--> statement-breakpoint
CREATE TABLE `targets` (
	`id` text PRIMARY KEY NOT NULL,
	`commune_code` text NOT NULL,
	`site_id` integer,
	`name` text,
	`kind` text NOT NULL,
	`host` text NOT NULL,
	`port` integer,
	`role` text NOT NULL,
	`interval_s` real NOT NULL,
	`timeout_s` real NOT NULL,
	`options` text NOT NULL,
	`parents` text NOT NULL,
	`probe_id` text,
	`enabled` integer DEFAULT true NOT NULL,
	`thresholds` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`commune_code`) REFERENCES `communes`(`code`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`probe_id`) REFERENCES `probes`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `targets_commune_idx` ON `targets` (`commune_code`);--> statement-breakpoint
CREATE INDEX `targets_probe_idx` ON `targets` (`probe_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`username` text PRIMARY KEY NOT NULL,
	`password_hash` text NOT NULL,
	`role` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
