CREATE TABLE `result_keys` (
	`id` integer PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `result_keys_uq` ON `result_keys` (`kind`,`name`);--> statement-breakpoint
CREATE TABLE `result_log` (
	`seq` integer PRIMARY KEY NOT NULL,
	`received_at` integer NOT NULL,
	`max_ts` integer NOT NULL,
	`n` integer NOT NULL,
	`data` blob NOT NULL
);
--> statement-breakpoint
CREATE TABLE `result_chunks` (
	`id` integer PRIMARY KEY NOT NULL,
	`tid` integer NOT NULL,
	`w` integer NOT NULL,
	`n` integer NOT NULL,
	`t_first` integer NOT NULL,
	`t_last` integer NOT NULL,
	`data` blob NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `result_chunks_tw` ON `result_chunks` (`tid`,`w`);--> statement-breakpoint
CREATE TABLE `rollups_5m` (
	`series_id` integer NOT NULL,
	`t` integer NOT NULL,
	`n` integer NOT NULL,
	`sum` real NOT NULL,
	PRIMARY KEY(`series_id`, `t`)
) WITHOUT ROWID;
