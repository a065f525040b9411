import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

// Raw objects live under raw/v1/instance=<i>/date=<d>/ (domain/keys.ts). The purge walks that
// layout with delimiter listings, instance by instance and day by day, and lists objects only in
// the days it deletes: a daily run over a store holding months of pages costs a few small
// listings instead of one pass over every raw key (tens of thousands per busy day).

/** The common prefixes one level below `prefix` (with delimiter '/'). */
async function childPrefixes(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** Deletes every object under `prefix`; returns how many. */
async function deleteUnder(s3: S3Client, bucket: string, prefix: string, onPage?: () => void): Promise<number> {
  let deleted = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    const keys = (page.Contents ?? []).map((o) => o.Key!).filter(Boolean);
    if (keys.length > 0) {
      // A listing page holds at most 1,000 keys: DeleteObjects' limit.
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
      deleted += keys.length;
    }
    onPage?.();
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return deleted;
}

/** Delete every raw object whose `date=` segment is before `keepFrom` (YYYY-MM-DD). */
export async function purgeRawBefore(s3: S3Client, bucket: string, keepFrom: string, onPage?: () => void): Promise<number> {
  let deleted = 0;
  for (const instance of await childPrefixes(s3, bucket, 'raw/v1/')) {
    for (const dayPrefix of await childPrefixes(s3, bucket, instance)) {
      const day = /\/date=(\d{4}-\d{2}-\d{2})\/$/.exec(dayPrefix)?.[1];
      if (day !== undefined && day < keepFrom) deleted += await deleteUnder(s3, bucket, dayPrefix, onPage);
    }
    onPage?.();
  }
  return deleted;
}
