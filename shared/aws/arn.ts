/** The region field of an RDS ARN (`arn:<partition>:rds:<region>:...`), or undefined for anything else. Pure. */
export const sourceRegionOf = (sourceArn: string | undefined): string | undefined =>
  /^arn:aws[a-z-]*:rds:([a-z0-9-]+):/.exec(sourceArn ?? '')?.[1];
