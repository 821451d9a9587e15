CREATE TABLE `rollup_series` (
	`id` integer PRIMARY KEY NOT NULL,
	`target_id` text NOT NULL,
	`metric` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rollup_series_uq` ON `rollup_series` (`target_id`,`metric`);--> statement-breakpoint
CREATE TABLE `rollups_1h` (
	`series_id` integer NOT NULL,
	`t` integer NOT NULL,
	`n` integer NOT NULL,
	`sum` real NOT NULL,
	`min` real,
	`max` real,
	PRIMARY KEY(`series_id`, `t`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `rollups_1m` (
	`series_id` integer NOT NULL,
	`t` integer NOT NULL,
	`n` integer NOT NULL,
	`sum` real NOT NULL,
	`min` real,
	`max` real,
	PRIMARY KEY(`series_id`, `t`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `state_log` (
	`id` integer PRIMARY KEY NOT NULL,
	`entity` text NOT NULL,
	`entity_id` text NOT NULL,
	`at` integer NOT NULL,
	`state` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `state_log_entity_idx` ON `state_log` (`entity`,`entity_id`,`at`);