// Defaults shared by the library and the CLI help (kept apart so help loads nothing heavy).

/** Where an --exe goes without ":DEST": /app/NAME (never collides with /bin, /lib...). */
export const DEFAULT_EXE_DIR = '/app';

/** Docker's default PATH for containers whose image sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
