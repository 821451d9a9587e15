CREATE TABLE `result_spill` (
	`id` integer PRIMARY KEY NOT NULL,
	`tid` integer NOT NULL,
	`n` integer NOT NULL,
	`t_min` integer NOT NULL,
	`t_max` integer NOT NULL,
	`data` blob NOT NULL
);
--> statement-breakpoint
CREATE INDEX `result_spill_tid` ON `result_spill` (`tid`);