import type { S3Client } from '@aws-sdk/client-s3';
import { childPrefixes, deleteKeys, keyPagesUnder } from '../store/s3-listing';

// Raw objects live under raw/v1/instance=<i>/date=<d>/ (domain/keys.ts). The purge walks that
// layout with delimiter listings, instance by instance and day by day, and lists objects only in
// the days it deletes: a daily run over a store holding months of pages costs a few small
// listings instead of one pass over every raw key (tens of thousands per busy day).

/** Delete every raw object whose `date=` segment is before `keepFrom` (YYYY-MM-DD). */
export async function purgeRawBefore(
  s3: S3Client,
  bucket: string,
  keepFrom: string,
  onPage?: () => void,
): Promise<number> {
  let deleted = 0;
  for (const instance of await childPrefixes(s3, bucket, 'raw/v1/')) {
    for (const dayPrefix of await childPrefixes(s3, bucket, instance)) {
      const day = /\/date=(\d{4}-\d{2}-\d{2})\/$/.exec(dayPrefix)?.[1];
      if (day === undefined || day >= keepFrom) continue;
      for await (const keys of keyPagesUnder(s3, bucket, dayPrefix)) {
        await deleteKeys(s3, bucket, keys);
        deleted += keys.length;
        onPage?.();
      }
    }
    onPage?.();
  }
  return deleted;
}
