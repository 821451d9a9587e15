CREATE TABLE `channel_state` (
	`group_id` integer NOT NULL,
	`channel_index` integer NOT NULL,
	`config_hash` text NOT NULL,
	`last_attempt_at` integer,
	`last_success_at` integer,
	`last_error_at` integer,
	`last_error` text,
	`last_error_action` text,
	`last_error_code` text,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`next_retry_at` integer,
	`disabled_at` integer,
	`disabled_reason` text,
	`credentials` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`group_id`, `channel_index`),
	FOREIGN KEY (`group_id`) REFERENCES `support_groups`(`id`) ON UPDATE no action ON DELETE cascade
);
