// Package watch follows a CloudFormation stack tree and the HyperPod
// cluster it makes, and says what happens as typed updates. It reads only
// new events, follows a nested stack only while something happens in it,
// discovers nested stacks from their resources' events, and names the real
// cause when something fails. It prints nothing: render turns its updates
// into text.
package watch

import "time"

// Update is one thing the watcher reports: an Event, a Tick, a Cluster or
// the final Summary. Kind names it in machine-readable output; other
// packages that report progress (deploy) add kinds of their own.
type Update interface{ Kind() string }

// Event is one new CloudFormation event, placed in the stack tree.
type Event struct {
	Time time.Time `json:"time"`
	// Path is the stack tree path of the resource: Main/Nested/LogicalId.
	Path         string `json:"path"`
	Stack        string `json:"stack"`
	LogicalID    string `json:"logicalId"`
	PhysicalID   string `json:"physicalId,omitempty"`
	ResourceType string `json:"resourceType"`
	Status       string `json:"status"`
	Reason       string `json:"reason,omitempty"`
	// StackLevel is true for the stack's own status (LogicalId is the stack).
	StackLevel bool `json:"stackLevel,omitempty"`
}

// Tick is sent once per poll: where everything stands now.
type Tick struct {
	Time    time.Time    `json:"time"`
	Elapsed Duration     `json:"elapsed"`
	Stacks  []StackState `json:"stacks"`
	// Cluster is the HyperPod cluster as last described (nil before).
	Cluster *Cluster `json:"cluster,omitempty"`
	// Retried counts the reads that failed transiently and were tried
	// again at the next poll; LastError is the newest one's error.
	Retried   int    `json:"retried,omitempty"`
	LastError string `json:"lastError,omitempty"`
}

// StackState is one stack of the tree as last seen.
type StackState struct {
	Path   string `json:"path"`
	Status string `json:"status"`
	// Resources counts the stack's resources by how they stand.
	Done       int  `json:"done"`
	InProgress int  `json:"inProgress"`
	Failed     int  `json:"failed"`
	Active     bool `json:"active"`
	// Total is how many resources the stack has to see to, where the
	// change set said so (the root's; 0: not known).
	Total int `json:"total,omitempty"`
}

// Cluster is the HyperPod cluster as last described, sent when it changes.
type Cluster struct {
	Time           time.Time    `json:"time"`
	Name           string       `json:"name"`
	Status         string       `json:"status"`
	FailureMessage string       `json:"failureMessage,omitempty"`
	Groups         []GroupState `json:"instanceGroups"`
}

// GroupState is one instance group's counts.
type GroupState struct {
	Name    string `json:"name"`
	Type    string `json:"instanceType"`
	Status  string `json:"status,omitempty"`
	Current int32  `json:"current"`
	Target  int32  `json:"target"`
}

// StackTime is how long a nested stack's part of the operation took.
type StackTime struct {
	Path   string   `json:"path"`
	Status string   `json:"status"`
	Took   Duration `json:"seconds"`
}

// NodeFailure is a node that failed: HyperPod's message, and where its
// lifecycle log is with its last lines.
type NodeFailure struct {
	Instance  string   `json:"instance"`
	Group     string   `json:"instanceGroup"`
	Message   string   `json:"message"`
	LogGroup  string   `json:"logGroup,omitempty"`
	LogStream string   `json:"logStream,omitempty"`
	LastLines []string `json:"lastLines,omitempty"`
}

// Cause is the failure that started a failed operation.
type Cause struct {
	Time         time.Time `json:"time"`
	Path         string    `json:"path"`
	ResourceType string    `json:"resourceType"`
	Status       string    `json:"status"`
	Reason       string    `json:"reason"`
}

// String renders the cause as Stack/Nested/LogicalId (Type): reason.
func (c Cause) String() string {
	if c.ResourceType == "" {
		return c.Path + ": " + c.Reason
	}
	return c.Path + " (" + c.ResourceType + "): " + c.Reason
}

// Summary is the last update: how the operation ended.
type Summary struct {
	Stack     string            `json:"stack"`
	StackID   string            `json:"stackId"`
	Status    string            `json:"status"`
	Succeeded bool              `json:"succeeded"`
	Outputs   map[string]string `json:"outputs,omitempty"`
	Cluster   *Cluster          `json:"cluster,omitempty"`
	RootCause *Cause            `json:"rootCause,omitempty"`
	Elapsed   Duration          `json:"elapsed"`
	// NoChanges is set by a deploy that found nothing to change and
	// executed nothing.
	NoChanges bool `json:"noChanges,omitempty"`
	// Stacks are the nested stacks that ran, in the order they started,
	// with how long each took.
	Stacks []StackTime `json:"stacks,omitempty"`
	// FailedNodes are the nodes HyperPod says failed, with its message and
	// the last lines of each one's lifecycle log.
	FailedNodes []NodeFailure `json:"failedNodes,omitempty"`
	// APICalls counts the calls the watcher made, by operation.
	APICalls map[string]int `json:"apiCalls,omitempty"`
}

func (Event) Kind() string   { return "event" }
func (Tick) Kind() string    { return "progress" }
func (Cluster) Kind() string { return "cluster" }
func (Summary) Kind() string { return "summary" }

// Duration marshals as seconds with a decimal, the way logs want it.
type Duration time.Duration

// MarshalJSON writes the duration in seconds.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(strconvFloat(time.Duration(d).Seconds())), nil
}

// String shows the duration to the second.
func (d Duration) String() string { return time.Duration(d).Round(time.Second).String() }
