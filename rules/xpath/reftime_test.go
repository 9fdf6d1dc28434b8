package xpath

import "testing"

// TestUsesReferenceTime: whether a query counts from Match's reference time
// is read from the compiled expression. A string literal that reads
// "timediff" (the query command named a reference time for
// *[EventData[Data='timediff(x)']] when it searched the text) does not
// count; a one-argument timediff does in any case and spacing, at any depth
// (inside a path's predicate, an 'or', a comparison's right side); the
// two-argument form, which compares the two times it is given, does not,
// though HasTimediff sees it.
func TestUsesReferenceTime(t *testing.T) {
	for _, c := range []struct {
		q        string
		ref, any bool
	}{
		{"*", false, false},
		{"*[EventData[Data='timediff(x)']]", false, false},
		{`*[EventData[Data="TimeDiff(@SystemTime) <= 1"]]`, false, false},
		{"*[System[EventID=1]]", false, false},
		{"*[System[TimeCreated[timediff(@SystemTime) <= 86400000]]]", true, true},
		{"*[System[TimeCreated[TIMEDIFF (@SystemTime) <= 1000]]]", true, true},
		{"*[System[EventID=1 or (Level=2 and TimeCreated[1000 >= TimeDiff( @SystemTime )])]]", true, true},
		{"Event[System[EventID=1]] or *[System[TimeCreated[timediff(@SystemTime) < 5]]]", true, true},
		{"*[System[TimeCreated[timediff(@SystemTime, 133000000000000000) <= 1000]]]", false, true},
		{"*[System[TimeCreated[timediff(133000000000000000, @SystemTime) <= 1000]]]", false, true},
	} {
		q, err := Compile(c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.q, err)
		}
		if got := q.UsesReferenceTime(); got != c.ref {
			t.Errorf("%s: UsesReferenceTime = %v, want %v", c.q, got, c.ref)
		}
		if got := q.HasTimediff(); got != c.any {
			t.Errorf("%s: HasTimediff = %v, want %v", c.q, got, c.any)
		}
	}
}

// TestQueryListUsesReferenceTime: a structured query counts from the
// reference time when a Select or a Suppress does; a comment or a literal
// that reads "timediff" does not make it.
func TestQueryListUsesReferenceTime(t *testing.T) {
	for _, c := range []struct {
		name, xml string
		want      bool
	}{
		{"comment and literal", `<QueryList><!-- timediff(@SystemTime) --><Query Id="0" Path="System">
  <Select Path="System">*[EventData[Data='timediff']]</Select></Query></QueryList>`, false},
		{"select", `<QueryList><Query Id="0" Path="System">
  <Select Path="System">*[System[TimeCreated[timediff(@SystemTime) &lt;= 1000]]]</Select></Query></QueryList>`, true},
		{"suppress", `<QueryList><Query Id="0" Path="System">
  <Select Path="System">*</Select>
  <Suppress Path="System">*[System[TimeCreated[timediff(@SystemTime) &gt; 1000]]]</Suppress></Query></QueryList>`, true},
		{"second query", `<QueryList><Query Id="0" Path="System"><Select>*</Select></Query>
  <Query Id="1" Path="Application"><Select>*[System[TimeCreated[timediff(@SystemTime) &lt;= 1000]]]</Select></Query></QueryList>`, true},
	} {
		l, err := ParseQueryList([]byte(c.xml))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := l.UsesReferenceTime(); got != c.want {
			t.Errorf("%s: UsesReferenceTime = %v, want %v", c.name, got, c.want)
		}
	}
}
