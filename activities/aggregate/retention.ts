import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** Delete every raw object whose `date=` segment is before `keepFrom` (YYYY-MM-DD). */
export async function purgeRawBefore(s3: S3Client, bucket: string, keepFrom: string, onPage?: () => void): Promise<number> {
  let token: string | undefined;
  let deleted = 0;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'raw/v1/', ContinuationToken: token }));
    const old = (page.Contents ?? [])
      .map((o) => o.Key!)
      .filter((k) => {
        const day = /\/date=(\d{4}-\d{2}-\d{2})\//.exec(k)?.[1];
        return day !== undefined && day < keepFrom;
      });
    for (let i = 0; i < old.length; i += 1000) {
      const batch = old.slice(i, i + 1000);
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
      deleted += batch.length;
    }
    onPage?.();
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return deleted;
}
