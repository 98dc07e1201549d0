// The backup methods that copy a whole instance's files (a physical image: prepared, then started on)
// rather than dump SQL: incrementals, CHECK TABLE in drills and the restore path follow from it.

export function isPhysical(method: string | undefined): boolean {
  return method === "mariadb-backup" || method === "xtrabackup";
}
