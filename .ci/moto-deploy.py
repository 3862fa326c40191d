#!/usr/bin/env python3
"""Deploys synthesized CloudFormation stacks to moto's CloudFormation server and checks what it
built.

Usage: moto-deploy.py ENDPOINT DIR

Creates every stack of DIR/manifest.json in deploy order (producers before consumers, so
exports and imports resolve), fails if one does not reach CREATE_COMPLETE, then checks the
resources moto models: every queue's redrive policy points at an existing dead-letter queue,
and every role's inline policy names existing buckets and queues (moto does not model bucket
settings such as the public access block, which cfn-lint and checkov check instead).
"""
import ast
import json
import os
import sys

import boto3


def client(service, endpoint, region):
    return boto3.client(service, endpoint_url=endpoint, region_name=region,
                        aws_access_key_id="test", aws_secret_access_key="test")


def main():
    endpoint, root = sys.argv[1], sys.argv[2]
    manifest = json.load(open(os.path.join(root, "manifest.json")))
    problems = []
    regions = set()
    for step in manifest.get("stacks", []):
        regions.add(step["region"])
        cfn = client("cloudformation", endpoint, step["region"])
        body = open(os.path.join(root, step["template"])).read()
        cfn.create_stack(StackName=step["stack"], TemplateBody=body,
                         Capabilities=["CAPABILITY_NAMED_IAM"])
        status = cfn.describe_stacks(StackName=step["stack"])["Stacks"][0]["StackStatus"]
        if status != "CREATE_COMPLETE":
            problems.append(f"stack {step['stack']}: {status}")
    queues = buckets = roles = 0
    for region in sorted(regions):
        sqs = client("sqs", endpoint, region)
        urls = sqs.list_queues().get("QueueUrls", [])
        arns = {sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                for u in urls}
        for url in urls:
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            if "RedrivePolicy" in attrs:
                queues += 1
                target = json.loads(attrs["RedrivePolicy"])["deadLetterTargetArn"]
                if target not in arns:
                    problems.append(f"queue {url}: dead-letter target {target} does not exist")
        s3 = client("s3", endpoint, region)
        names = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
        buckets += len(names)
        iam = client("iam", endpoint, region)
        for role in iam.list_roles()["Roles"]:
            for policy in iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]:
                roles += 1
                doc = iam.get_role_policy(RoleName=role["RoleName"], PolicyName=policy)["PolicyDocument"]
                if isinstance(doc, str):
                    # moto returns the document as JSON, or as a Python literal.
                    try:
                        doc = json.loads(doc)
                    except ValueError:
                        doc = ast.literal_eval(doc)
                for statement in doc["Statement"]:
                    for arn in statement.get("Resource", []):
                        if arn is None:
                            # A reference to a type moto does not model (a Secrets Manager
                            # secret): nothing to check against.
                            continue
                        name = arn.split(":")[-1].split("/")[0]
                        if arn.startswith("arn:aws:s3:::") and name not in names:
                            problems.append(f"role {role['RoleName']}: bucket {name} does not exist")
                        if arn.startswith("arn:aws:sqs:") and arn not in arns:
                            problems.append(f"role {role['RoleName']}: queue {arn} does not exist")
    for p in problems:
        print("PROBLEM " + p)
    print(f"moto: {len(manifest.get('stacks', []))} stacks created; checked {queues} redrive policies, "
          f"{buckets} buckets, {roles} role policies; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
