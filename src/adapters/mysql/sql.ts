// SQL identifiers are hostile (DESIGN §8 rule 6): any character MariaDB accepts, backticks included.
// Values always travel as query parameters; identifiers, which cannot, are quoted here and only here.

export function quoteIdent(name: string): string {
  return `\`${name.replaceAll("`", "``")}\``;
}

export function qualified(database: string, table: string): string {
  return `${quoteIdent(database)}.${quoteIdent(table)}`;
}

/** 'user'@'host' as SHOW CREATE USER / GRANT want it (a string literal, quotes doubled). */
export function quoteAccount(user: string, host: string): string {
  const lit = (s: string) => `'${s.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
  return `${lit(user)}@${lit(host)}`;
}
