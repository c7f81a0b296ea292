"""A few calls to a running Dagster webserver's GraphQL API: the same door the UI uses.

Used to hand a backfill to a deployment (`creative-sessions backfill --submit URL`), where the
daemon runs it under the assets' backfill policies and the instance's pools.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Sequence
from typing import Any

REPOSITORY = {
    "repositoryLocationName": "orchestration.definitions",
    "repositoryName": "__repository__",
}
"""The code location as `dagster dev -w workspace.yaml` names it; `dg dev` names it after the
project, so callers that talk to an unknown server ask it (`find_repository`)."""

LOCATIONS = """{ workspaceOrError { ... on Workspace { locationEntries {
  name locationOrLoadError { ... on RepositoryLocation { repositories { name } } } } } } }"""
ADDED = ("AddDynamicPartitionSuccess", "DuplicateDynamicPartitionError")

ADD_PARTITION = """
mutation($repo: RepositorySelector!, $name: String!, $key: String!) {
  addDynamicPartition(repositorySelector: $repo, partitionsDefName: $name, partitionKey: $key) {
    __typename
    ... on PythonError { message }
    ... on UnauthorizedError { message }
  }
}"""

LAUNCH_BACKFILL = """
mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on UnauthorizedError { message }
  }
}"""


class GraphQLError(RuntimeError):
    """The server answered with an error, or with something other than what was asked."""


def query(url: str, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST one GraphQL document to `<url>/graphql` and return its `data`."""
    body = json.dumps({"query": document, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        url.rstrip("/") + "/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        payload = json.loads(response.read())
    if payload.get("errors"):
        raise GraphQLError(payload["errors"][0].get("message", str(payload["errors"])))
    return payload["data"]


def find_repository(url: str) -> dict[str, str]:
    """The server's code location and repository holding our definitions (the first loaded)."""
    entries = query(url, LOCATIONS)["workspaceOrError"].get("locationEntries") or []
    for entry in entries:
        repos = (entry.get("locationOrLoadError") or {}).get("repositories") or []
        if repos:
            return {"repositoryLocationName": entry["name"], "repositoryName": repos[0]["name"]}
    raise GraphQLError(f"no loaded code location at {url}")


def add_partitions(
    url: str, partitions_def: str, keys: Sequence[str], repository: dict | None = None
) -> None:
    """Register dynamic partitions on the server's instance; ones it has already are fine."""
    repo = repository or find_repository(url)
    for key in keys:
        variables = {"repo": repo, "name": partitions_def, "key": key}
        result = query(url, ADD_PARTITION, variables)["addDynamicPartition"]
        if result["__typename"] not in ADDED:
            raise GraphQLError(f"{result['__typename']}: {result.get('message', '')}")


def launch_backfill(
    url: str, asset_paths: Sequence[Sequence[str]], partition_keys: Sequence[str], title: str
) -> str:
    """Start an asset backfill of `partition_keys`; returns its id."""
    params = {
        "assetSelection": [{"path": list(path)} for path in asset_paths],
        "partitionNames": list(partition_keys),
        "fromFailure": False,
        "title": title,
    }
    result = query(url, LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
    if result["__typename"] != "LaunchBackfillSuccess":
        raise GraphQLError(f"{result['__typename']}: {result.get('message', '')}")
    return result["backfillId"]
